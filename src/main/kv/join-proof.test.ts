import { describe, expect, it } from 'vitest';
import { joinProof, joinProofMatches } from './join-proof';

const secret = Buffer.from('the cluster secret of this test, long enough');
const transcript = {
  clusterId: 'c1',
  joiner: '127.0.0.1:5009',
  member: '127.0.0.1:5001',
  joinerChallenge: Buffer.alloc(32, 7),
};

describe('join proof', () => {
  it('a member holding the secret proves it; the joiner checks it', () => {
    const { memberChallenge, proof } = joinProof(secret, transcript);
    expect(joinProofMatches(secret, transcript, memberChallenge, proof)).toBe(true);
  });

  it.each([
    ['another secret', { secret: Buffer.from('another cluster secret, also long enough') }],
    ['another cluster id', { transcript: { ...transcript, clusterId: 'c2' } }],
    ['another joiner', { transcript: { ...transcript, joiner: '127.0.0.1:5010' } }],
    ['another challenge', { transcript: { ...transcript, joinerChallenge: Buffer.alloc(32, 8) } }],
  ])('fails for %s', (_name, change) => {
    const { memberChallenge, proof } = joinProof(secret, transcript);
    const checkSecret = 'secret' in change ? change.secret! : secret;
    const checkTranscript = 'transcript' in change ? change.transcript! : transcript;
    expect(joinProofMatches(checkSecret, checkTranscript, memberChallenge, proof)).toBe(false);
  });

  it('refuses a truncated or empty proof without throwing', () => {
    const { memberChallenge, proof } = joinProof(secret, transcript);
    expect(joinProofMatches(secret, transcript, memberChallenge, proof.subarray(0, 16))).toBe(false);
    expect(joinProofMatches(secret, transcript, memberChallenge, new Uint8Array())).toBe(false);
  });
});
