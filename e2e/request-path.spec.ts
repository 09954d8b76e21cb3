// The request path as it happens: a follower's read drawn as ReadIndex and served by the follower;
// a waiting request counts its timeout down with the old reply cleared.
import { test } from './fixtures/test';
import { followerReadDrawnAsReadIndex } from './flows/client';

test('a GET through a follower is drawn as the follower asking the leader, and a waiting request counts down', async ({
  dashboard,
  probe,
  host,
}) => {
  await followerReadDrawnAsReadIndex(dashboard, probe, host);
});
