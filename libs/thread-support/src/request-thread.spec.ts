import { join } from 'node:path';
import { RequestThread } from './request-thread';
import { ThreadOrHere, type ThreadOrHereOptions } from './thread-or-here';
import { startWorkerModule } from './worker-module';
import { noteTaker } from './spec-support/note-taker';

const NOTES = join(__dirname, 'spec-support', 'notes.worker');
const errorOf = (plain: unknown) => (plain instanceof Error ? plain : Object.assign(new Error(JSON.stringify(plain)), { plain }));
const threadOptions = { failurePrefix: 'noting failed', errorOf };
type Note = { where: string; count: number };

describe('RequestThread: requests to a worker module, answered in order', () => {
  it('answers requests given without waiting in the order given (the TypeScript source runs under the test runner)', async () => {
    // given a thread on the notes module
    const thread = new RequestThread<number, Note>(startWorkerModule(NOTES), threadOptions);
    // when three requests are given at once
    const answers = await Promise.all([1, 2, 3].map((n) => thread.request(n)));
    // then they were done one after the other, in that order, in the thread
    expect(answers).toEqual([1, 2, 3].map((count) => ({ where: 'thread', count })));
    await thread.close();
  });

  it('does work that answers with a promise one request at a time, in the order given', async () => {
    // given a thread whose work takes longer for the first notes than for the later ones
    const thread = new RequestThread<number, Note & { notes: number[] }>(
      startWorkerModule(join(__dirname, 'spec-support', 'slow-notes.worker')),
      threadOptions,
    );
    // when four requests are given at once, one of them refused
    const answers = await Promise.all([1, 2, 0, 3].map((n) => thread.request(n).catch((error: { plain: unknown }) => error.plain)));
    // then each started after the one before it was answered: the notes in the order given
    expect(answers).toEqual([
      { where: 'thread', count: 1, notes: [1] },
      { where: 'thread', count: 2, notes: [1, 2] },
      { name: 'Error', message: 'zero is not a note', code: 'NOTE_ZERO' },
      { where: 'thread', count: 3, notes: [1, 2, 3] },
    ]);
    await thread.close();
  });

  it('passes errors both ways: a refusal and an Error of the work come back to the caller, a request that cannot be sent fails alone', async () => {
    const thread = new RequestThread<unknown, Note>(startWorkerModule(NOTES), threadOptions);
    // the work's plain refusal crosses as is; an Error as its name, message and code
    await expect(thread.request(-1)).rejects.toMatchObject({ plain: { refused: -1 } });
    await expect(thread.request(0)).rejects.toMatchObject({ plain: { name: 'Error', message: 'zero is not a note', code: 'NOTE_ZERO' } });
    // a request that cannot cross (a function) fails with the reason, without reaching the thread
    await expect(thread.request(() => 1)).rejects.toThrow(/^noting failed: the request could not be sent to the thread: /);
    // and the thread goes on working
    await expect(thread.request(5)).resolves.toEqual({ where: 'thread', count: 1 });
    expect(thread.broken).toBe(false);
    await thread.close();
  });

  it('fails the request under way and every later one with the reason when the thread dies', async () => {
    const thread = new RequestThread<number, Note>(startWorkerModule(NOTES), threadOptions);
    await thread.request(1);
    // when the thread exits in the middle of a request
    const underWay = thread.request(13);
    await expect(underWay).rejects.toThrow('noting failed: the thread stopped (exit code 3)');
    // then it is broken, and refuses what comes after
    expect(thread.broken).toBe(true);
    await expect(thread.request(2)).rejects.toThrow('noting failed: the thread stopped (exit code 3)');
    await thread.close();
  });

  it('says why when the module cannot start', async () => {
    const thread = new RequestThread<number, Note>(startWorkerModule(NOTES, { failAtStart: true }), threadOptions);
    await expect(thread.request(1)).rejects.toThrow('noting failed: the notes could not load');
    expect(thread.broken).toBe(true);
  });

  it('waits on close for the requests under way, then refuses new ones as closed, not broken', async () => {
    const thread = new RequestThread<number, Note>(startWorkerModule(NOTES), threadOptions);
    const underWay = [thread.request(1), thread.request(2)];
    await thread.close('it was closed for the night');
    await expect(Promise.all(underWay)).resolves.toEqual([1, 2].map((count) => ({ where: 'thread', count })));
    await expect(thread.request(3)).rejects.toThrow('noting failed: it was closed for the night');
    expect(thread.broken).toBe(false);
  });

  it('refuses a worker module that does not exist', () => {
    expect(() => startWorkerModule(join(__dirname, 'no-such.worker'))).toThrow(/^no worker module .*no-such\.worker\.js or \.ts$/);
  });
});

describe('ThreadOrHere: the thread when it pays, the calling thread otherwise', () => {
  const notes = (options: Partial<ThreadOrHereOptions<number, Note>> = {}) =>
    new ThreadOrHere<number, Note>({ worker: { module: NOTES }, here: noteTaker('here'), ...threadOptions, ...options });

  it('does small work here while the thread is idle, and everything in the thread while it has work under way (order kept)', async () => {
    const work = notes({ worthTheThread: (n) => n >= 100 });
    expect(await work.request(1)).toEqual({ where: 'here', count: 1 });
    const big = work.request(100);
    const smallMeanwhile = work.request(2);
    expect(await Promise.all([big, smallMeanwhile])).toEqual([
      { where: 'thread', count: 1 },
      { where: 'thread', count: 2 },
    ]);
    expect(await work.request(3)).toEqual({ where: 'here', count: 2 });
    await work.close();
  });

  it('gives the same errors from either side', async () => {
    const threaded = notes();
    const here = notes({ worker: null });
    for (const n of [-1, 0]) {
      const fromThread = await threaded.request(n).catch((error: { plain: unknown }) => error.plain);
      const fromHere = await here
        .request(n)
        .catch((error: Error & { code?: string }) =>
          n < 0 ? (error as unknown as { plain: unknown }).plain : { name: error.name, message: error.message, code: error.code },
        );
      expect(fromThread).toEqual(fromHere);
    }
    await Promise.all([threaded.close(), here.close()]);
  });

  it('by default gives an Error with the message and code the work threw, from the thread as from here', async () => {
    const { failurePrefix } = threadOptions;
    const threaded = new ThreadOrHere<number, Note>({ worker: { module: NOTES }, here: noteTaker('here'), failurePrefix });
    const here = new ThreadOrHere<number, Note>({ worker: null, here: noteTaker('here'), failurePrefix });
    for (const side of [threaded, here]) {
      await expect(side.request(0)).rejects.toMatchObject({ message: 'zero is not a note', code: 'NOTE_ZERO' });
      await expect(side.request(0)).rejects.toBeInstanceOf(Error);
    }
    await Promise.all([threaded.close(), here.close()]);
  });

  it('after a thread failure, fails what the thread had (a write) and does the rest here, telling once', async () => {
    const failures: string[] = [];
    const work = notes({ onThreadFailure: (error) => failures.push(error.message) });
    await expect(work.request(13)).rejects.toThrow('noting failed: the thread stopped (exit code 3)');
    expect(work.threaded).toBe(false);
    expect(await work.request(4)).toEqual({ where: 'here', count: 1 });
    expect(await work.request(5)).toEqual({ where: 'here', count: 2 });
    expect(failures).toEqual(['noting failed: the thread stopped (exit code 3)']);
    await work.close();
  });

  it('redoes here what a failing thread had, when the work has no effects', async () => {
    const work = notes({ redoHereOnThreadFailure: true, worker: { module: NOTES, data: { failAtStart: true } } });
    expect(await work.request(1)).toEqual({ where: 'here', count: 1 });
    await work.close();
  });

  it('refuses work once closed', async () => {
    const work = notes();
    await work.request(1);
    await work.close('the store was closed');
    await expect(work.request(2)).rejects.toThrow('noting failed: the store was closed');
  });
});
