// Issue 14's smaller bugs, one test each, as a person meets them on the dashboard.
import { test } from './fixtures/test';
import {
  arrowKeysMoveSliders,
  legendHasEveryEntry,
  orangeMeansOnlyTheLeader,
  requestArrowsUnderNodeLabels,
  ringLabelsDoNotOverlap,
  spaceAfterClickingANodePauses,
  stepDownOnAFollowerSaysWhy,
} from './flows/teaching-bugs';

test('arrow keys on a slider move the slider, not the node selection', async ({ dashboard }) => {
  await arrowKeysMoveSliders(dashboard);
});

test('Space right after clicking a node pauses, and the node stays selected', async ({ dashboard, probe }) => {
  await spaceAfterClickingANodePauses(dashboard, probe);
});

test('s on a follower says that only a leader can step down, and who leads', async ({ dashboard, probe }) => {
  await stepDownOnAFollowerSaysWhy(dashboard, probe);
});

test('the legend has heartbeat and PreVote replies, ReadIndex, and the candidate styles', async ({ dashboard }) => {
  await legendHasEveryEntry(dashboard);
});

test('two keys with close hashes do not print their names over each other', async ({ dashboard, host }) => {
  await ringLabelsDoNotOverlap(dashboard, host);
});

test("a request's arrows pass under the node labels", async ({ dashboard, probe }) => {
  await requestArrowsUnderNodeLabels(dashboard, probe);
});

test.describe('sharded', () => {
  test.use({ hostOptions: { groups: 3, size: 3 } });

  test('orange means the leader only, never a group', async ({ dashboard, probe }) => {
    await orangeMeansOnlyTheLeader(dashboard, probe);
  });
});
