import { describe, expect, it } from 'vitest';
import { HashRing } from '../../../../shared/ring';
import { groupOfHash, hashToAngle, tokenArcs } from '../geometry/ring-geometry';
import { groupArcPaths } from '../geometry/ring-paths';
import { formatHash, positionOfKey, ringFor, tokensPerGroupOf } from './ring-keys';

describe('typed key preview', () => {
  it('agrees with the shared ring on the group of every key', () => {
    const ring = ringFor(3);
    for (let i = 0; i < 500; i++) {
      const key = `key-${i}`;
      expect(positionOfKey(key, 3).group).toBe(ring.groupOf(key));
    }
  });

  it('draws each key inside an arc of the group the shared ring routes it to', () => {
    const view = ringFor(3).view();
    const arcs = tokenArcs(view);
    for (let i = 0; i < 200; i++) {
      const { hash, group } = positionOfKey(`user:${i}`, 3);
      const angle = hashToAngle(hash, view.hashSpace);
      const containing = arcs.find(
        (arc) =>
          (arc.startAngle < angle && angle <= arc.endAngle) ||
          (arc.startAngle < angle - 2 * Math.PI && angle - 2 * Math.PI <= arc.endAngle),
      );
      expect(containing?.group).toBe(group);
      expect(groupOfHash(view, hash)).toBe(group);
    }
  });

  it("routes a preview by the host's token count, not the default", () => {
    const classroom = new HashRing(3, { tokensPerGroup: 16 });
    for (let i = 0; i < 200; i++) expect(positionOfKey(`k${i}`, 3, 16).group).toBe(classroom.groupOf(`k${i}`));
    expect(tokensPerGroupOf({ ...classroom.view(), tokensPerGroup: 16 }, 3)).toBe(16);
    // A host that does not say: every group has as many tokens, so the count follows from the total.
    expect(tokensPerGroupOf({ hashSpace: 2 ** 32, tokens: classroom.tokens }, 3)).toBe(16);
  });

  it('prints a hash as eight hex digits', () => {
    expect(formatHash(255)).toBe('0x000000ff');
  });

  it('builds one arc path per group', () => {
    const paths = groupArcPaths(ringFor(2).view(), 80, 100);
    expect(paths.map((p) => p.group)).toEqual([0, 1]);
    for (const path of paths) expect(path.d).toMatch(/^M/);
  });
});
