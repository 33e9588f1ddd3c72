import { whileRetriable } from './while-retriable';

describe('whileRetriable', () => {
  it('given a broker that is not yet the leader twice, when called, then it answers on the third try', async () => {
    let calls = 0;
    const notLeader = Object.assign(new Error('This server is not the leader for that topic-partition'), { retriable: true });
    const answer = await whileRetriable(
      async () => {
        calls++;
        if (calls < 3) throw notLeader;
        return 'ends';
      },
      5,
      1,
    );
    expect(answer).toBe('ends');
    expect(calls).toBe(3);
  });

  it('given an error that is not retriable, when called, then it is thrown at once', async () => {
    let calls = 0;
    const denied = Object.assign(new Error('Topic authorization failed'), { retriable: false });
    await expect(
      whileRetriable(
        async () => {
          calls++;
          throw denied;
        },
        5,
        1,
      ),
    ).rejects.toBe(denied);
    expect(calls).toBe(1);
  });

  it('given a broker that never recovers, when called, then the last error is thrown after the attempts', async () => {
    let calls = 0;
    await expect(
      whileRetriable(
        async () => {
          calls++;
          throw Object.assign(new Error(`not leader ${calls}`), { retriable: true });
        },
        4,
        1,
      ),
    ).rejects.toThrow('not leader 4');
    expect(calls).toBe(4);
  });
});
