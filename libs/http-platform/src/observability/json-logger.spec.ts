import { JsonLogger, LineBatcher } from './json-logger';

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('LineBatcher: log lines written together once a turn', () => {
  it('writes the lines of one turn in one write, in order, after the turn', async () => {
    // given
    const writes: string[] = [];
    const batcher = new LineBatcher((text) => writes.push(text));
    // when
    batcher.write('a\n');
    batcher.write('b\n');
    batcher.write('c\n');
    // then
    expect(writes).toEqual([]);
    await nextTurn();
    expect(writes).toEqual(['a\nb\nc\n']);
  });

  it('writes an urgent line at once, after the lines pending before it', () => {
    // given
    const writes: string[] = [];
    const batcher = new LineBatcher((text) => writes.push(text));
    batcher.write('request\n');
    // when
    batcher.write('error\n', true);
    // then
    expect(writes).toEqual(['request\nerror\n']);
  });

  it('writes when the pending lines grow past the bound, without waiting for the turn', () => {
    // given
    const writes: string[] = [];
    const batcher = new LineBatcher((text) => writes.push(text), 10);
    // when
    batcher.write('12345\n');
    batcher.write('67890\n');
    // then
    expect(writes).toEqual(['12345\n67890\n']);
  });
});

describe('JsonLogger', () => {
  it('marks errors urgent and other levels not', () => {
    // given
    const lines: { line: string; urgent: boolean }[] = [];
    const logger = new JsonLogger('info', (line, urgent) => lines.push({ line, urgent }));
    // when
    logger.log({ msg: 'request', status: 200 }, 'http');
    logger.error({ msg: 'failed' }, 'stack here', 'kafka');
    logger.debug('not at info');
    // then
    expect(lines.map((l) => [JSON.parse(l.line) as Record<string, unknown>, l.urgent])).toEqual([
      [expect.objectContaining({ level: 'info', context: 'http', msg: 'request', status: 200 }), false],
      [expect.objectContaining({ level: 'error', context: 'kafka', msg: 'failed', stack: 'stack here' }), true],
    ]);
  });
});
