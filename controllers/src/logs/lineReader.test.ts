import {
  LogEntry,
  LogLineReader,
  cutPoint,
  sanitizeLogText,
} from './lineReader';

const T1 = '2024-05-01T10:00:00.123456789Z';
const T2 = '2024-05-01T10:00:01.5Z';
const T2N = '2024-05-01T10:00:01.500000000Z';

function readAll(
  input: Buffer | string,
  chunkSizes: number[] | 'whole',
  maxLineBytes = 64,
) {
  const bytes = Buffer.isBuffer(input) ? input : Buffer.from(input);
  const reader = new LogLineReader({ maxLineBytes, now: () => 0 });
  const out: LogEntry[] = [];
  if (chunkSizes === 'whole') {
    out.push(...reader.push(bytes));
  } else {
    let offset = 0;
    let i = 0;
    while (offset < bytes.length) {
      const size = chunkSizes[i++ % chunkSizes.length];
      out.push(...reader.push(bytes.subarray(offset, offset + size)));
      offset += size;
    }
  }
  out.push(...reader.end());
  return out;
}

/** A deterministic pseudo-random sequence, so failures reproduce. */
function random(seed: number) {
  let state = seed;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

describe('LogLineReader', () => {
  it('parses the timestamp prefix of each line and normalises it', () => {
    expect(readAll(`${T1} hello\n${T2} world\n`, 'whole')).toEqual([
      { timestamp: T1, text: 'hello', bytes: 5, continued: false },
      { timestamp: T2N, text: 'world', bytes: 5, continued: false },
    ]);
  });

  it('keeps empty lines and spaces after the prefix', () => {
    expect(
      readAll(`${T1} \n${T1}   indented\n`, 'whole').map(e => e.text),
    ).toEqual(['', '  indented']);
  });

  it('emits a last line without newline at the end of the stream', () => {
    expect(readAll(`${T1} a\n${T2} tail`, 'whole').map(e => e.text)).toEqual([
      'a',
      'tail',
    ]);
  });

  it('strips one trailing carriage return but keeps others (progress bars)', () => {
    expect(readAll(`${T1} 10%\r20%\r\n`, 'whole')[0].text).toBe('10%\r20%');
  });

  it('stamps a line without prefix with the previous timestamp', () => {
    expect(readAll(`${T1} a\nno timestamp here\n`, 'whole')).toMatchObject([
      { timestamp: T1, text: 'a' },
      { timestamp: T1, text: 'no timestamp here' },
    ]);
  });

  it('stamps a first line without prefix with the current time', () => {
    expect(readAll('plain\n', 'whole')).toMatchObject([
      { timestamp: '1970-01-01T00:00:00.000000000Z', text: 'plain' },
    ]);
  });

  it('keeps ANSI colour codes', () => {
    const text = '\u001b[31mred\u001b[0m and \u001b[1;32mbold green\u001b[0m';
    expect(readAll(`${T1} ${text}\n`, 'whole')[0].text).toBe(text);
  });

  it('makes invalid UTF-8 and control characters safe', () => {
    const line = Buffer.concat([
      Buffer.from(`${T1} ok `),
      Buffer.from([0xff, 0xc3, 0x28, 0x00, 0x07, 0x7f]),
      Buffer.from(' é\t\u001b[0m\n'),
    ]);
    expect(readAll(line, 'whole')[0].text).toBe(
      'ok \uFFFD\uFFFD(\uFFFD\uFFFD\uFFFD é\t\u001b[0m',
    );
  });

  it('splits long lines into pieces of at most the limit, with the same timestamp', () => {
    const long = 'x'.repeat(150);
    const entries = readAll(`${T1} ${long}\n${T2} next\n`, 'whole');
    expect(entries.map(e => [e.text.length, e.continued, e.timestamp])).toEqual(
      [
        [64, false, T1],
        [64, true, T1],
        [22, true, T1],
        [4, false, T2N],
      ],
    );
    expect(
      entries
        .slice(0, 3)
        .map(e => e.text)
        .join(''),
    ).toBe(long);
  });

  it('never splits a UTF-8 character', () => {
    const long = '€'.repeat(50); // 3 bytes each
    const entries = readAll(`${T1} ${long}\n`, 'whole');
    expect(entries.every(e => e.bytes <= 64)).toBe(true);
    expect(entries.map(e => e.text).join('')).toBe(long);
    expect(entries.some(e => e.text.includes('\uFFFD'))).toBe(false);
  });

  it('does not split inside an ANSI escape sequence', () => {
    const line = `${'a'.repeat(60)}\u001b[38;5;196mred`;
    const entries = readAll(`${T1} ${line}\n`, 'whole');
    expect(entries.map(e => e.text)).toEqual([
      'a'.repeat(60),
      '\u001b[38;5;196mred',
    ]);
  });

  it('drops an empty last piece left by a trailing carriage return', () => {
    const entries = readAll(`${T1} ${'y'.repeat(64)}\r\n`, [7]);
    expect(entries.map(e => e.text)).toEqual(['y'.repeat(64)]);
  });

  it('bounds memory for a line that never ends', () => {
    const reader = new LogLineReader({ maxLineBytes: 64 });
    let emitted = 0;
    emitted += reader.push(Buffer.from(`${T1} `)).length;
    for (let i = 0; i < 1000; i++) {
      emitted += reader.push(Buffer.from('z'.repeat(100))).length;
      expect(
        (reader as unknown as { pending: Buffer }).pending.length,
      ).toBeLessThanOrEqual(64);
    }
    expect(emitted).toBeGreaterThan(1500);
  });

  it('gives the same entries however the stream is chunked', () => {
    const next = random(42);
    const pieces = [
      'plain',
      '€uro',
      '\u001b[1;31mERR\u001b[0m',
      'ü'.repeat(40),
      'w'.repeat(90),
      '',
    ];
    const lines: string[] = [];
    for (let i = 0; i < 300; i++) {
      const parts = Array.from(
        { length: 1 + Math.floor(next() * 4) },
        () => pieces[Math.floor(next() * pieces.length)],
      );
      const crlf = next() < 0.2 ? '\r' : '';
      lines.push(
        `2024-05-01T10:00:${String(i % 60).padStart(2, '0')}.${i}Z ${parts.join(
          ' ',
        )}${crlf}`,
      );
    }
    const input = Buffer.concat([
      Buffer.from(lines.join('\n')),
      Buffer.from([0x0a, 0xe2, 0x82]), // a truncated character at the very end
    ]);
    const reference = readAll(input, 'whole');
    for (const sizes of [[1], [2, 3], [7], [13, 1, 64], [100], [4096]]) {
      expect(readAll(input, sizes)).toEqual(reference);
    }
    for (let trial = 0; trial < 20; trial++) {
      const sizes = Array.from(
        { length: 50 },
        () => 1 + Math.floor(next() * 200),
      );
      expect(readAll(input, sizes)).toEqual(reference);
    }
  });

  it('refuses a limit too small to keep characters and escapes whole', () => {
    expect(() => new LogLineReader({ maxLineBytes: 10 })).toThrow(RangeError);
  });
});

describe('cutPoint', () => {
  it('cuts at the limit in plain ASCII', () => {
    expect(cutPoint(Buffer.from('abcdefgh'), 4)).toBe(4);
  });

  it('backs up to the start of a multi-byte character', () => {
    const buf = Buffer.from('ab😀cd'); // 😀 is 4 bytes at 2..5
    expect(cutPoint(buf, 3)).toBe(2);
    expect(cutPoint(buf, 5)).toBe(2);
    expect(cutPoint(buf, 6)).toBe(6);
  });

  it('backs up to the start of an unfinished escape sequence', () => {
    const buf = Buffer.from('abc\u001b[31mdef');
    expect(cutPoint(buf, 5)).toBe(3);
    expect(cutPoint(buf, 8)).toBe(8);
  });

  it('keeps an unfinished OSC hyperlink whole', () => {
    const buf = Buffer.from('ab\u001b]8;;http://x\u0007link');
    expect(cutPoint(buf, 8)).toBe(2);
  });

  it('cuts anyway when the escape sequence starts the piece', () => {
    const buf = Buffer.from(`\u001b[${'1;'.repeat(20)}m`);
    expect(cutPoint(buf, 8)).toBe(8);
  });

  it('cuts at the limit in bytes that are not UTF-8', () => {
    const buf = Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x80]);
    expect(cutPoint(buf, 4)).toBe(4);
  });
});

describe('sanitizeLogText', () => {
  it('keeps tab, backspace, carriage return and escape', () => {
    expect(sanitizeLogText(Buffer.from('a\tb\bc\rd\u001be'))).toBe(
      'a\tb\bc\rd\u001be',
    );
  });

  it('replaces NUL and other controls', () => {
    expect(sanitizeLogText(Buffer.from('a\u0000b\u000bc\u001fd'))).toBe(
      'a\uFFFDb\uFFFDc\uFFFDd',
    );
  });
});
