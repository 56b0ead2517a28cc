import { Transform, type TransformCallback } from 'node:stream';
import { createInflate } from 'node:zlib';

// PDF's general-purpose stream filters as Node transforms, for measuring what a stream decodes to before
// pdf.js decodes it (pdf-decoded-size.ts). Each expands its input: Flate about 1000 to 1 at most, LZW
// about 2700 to 1, RunLength 64 to 1; the ASCII ones shrink it but can hide a Flate bomb behind them.
// Image codecs (DCT, JPX, JBIG2, CCITT) are not here: pdf.js decodes them only within a page's pixels.

/** A filter's decoder, or undefined for one that is not measured. */
export function decoderFor(filter: string): Transform | undefined {
  switch (filter) {
    case 'FlateDecode':
    case 'Fl':
      return createInflate({ chunkSize: 64 * 1024 });
    case 'ASCIIHexDecode':
    case 'AHx':
      return asciiHex();
    case 'ASCII85Decode':
    case 'A85':
      return ascii85();
    case 'RunLengthDecode':
    case 'RL':
      return runLength();
    case 'LZWDecode':
    case 'LZW':
      return lzw();
    default:
      return undefined;
  }
}

/** Output bytes, pushed downstream 64 KiB at a time (a few input bytes of LZW are megabytes of output). */
class Output {
  private buf = Buffer.allocUnsafe(64 * 1024);
  private n = 0;
  constructor(private readonly stream: Transform) {}
  push(byte: number): void {
    this.buf[this.n++] = byte;
    if (this.n === this.buf.length) this.flush();
  }
  flush(): void {
    if (this.n === 0) return;
    this.stream.push(this.buf.subarray(0, this.n));
    this.buf = Buffer.allocUnsafe(64 * 1024);
    this.n = 0;
  }
}

/** A transform from a byte-wise decoder; `step` returns true at the filter's end of data (EOD). */
function decoder(step: (chunk: Buffer, out: Output) => boolean, flush?: (out: Output) => void) {
  let ended = false;
  const stream: Transform = new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      if (!ended) ended = step(chunk, out);
      out.flush();
      done();
    },
    flush(done: TransformCallback) {
      if (!ended) flush?.(out);
      out.flush();
      done();
    },
  });
  const out = new Output(stream);
  return stream;
}

function asciiHex(): Transform {
  let high = -1;
  const nibble = (c: number) =>
    c >= 0x30 && c <= 0x39
      ? c - 0x30
      : c >= 0x41 && c <= 0x46
        ? c - 55
        : c >= 0x61 && c <= 0x66
          ? c - 87
          : -1;
  return decoder(
    (chunk, out) => {
      for (const c of chunk) {
        if (c === 0x3e) {
          if (high >= 0) out.push(high << 4);
          return true;
        }
        const v = nibble(c);
        if (v < 0) continue;
        if (high < 0) high = v;
        else {
          out.push((high << 4) | v);
          high = -1;
        }
      }
      return false;
    },
    (out) => {
      if (high >= 0) out.push(high << 4);
    },
  );
}

function ascii85(): Transform {
  const group: number[] = [];
  const emit = (out: Output, n: number) => {
    let v = 0;
    for (let i = 0; i < 5; i++) v = v * 85 + (i < group.length ? group[i] : 84);
    for (let i = 0; i < n; i++) out.push((v >>> (24 - 8 * i)) & 0xff);
    group.length = 0;
  };
  const tail = (out: Output) => {
    if (group.length > 1) emit(out, group.length - 1);
  };
  return decoder((chunk, out) => {
    for (const c of chunk) {
      if (c === 0x7e) {
        tail(out);
        return true;
      }
      if (c === 0x7a && group.length === 0) for (let i = 0; i < 4; i++) out.push(0);
      else if (c >= 0x21 && c <= 0x75) {
        group.push(c - 0x21);
        if (group.length === 5) emit(out, 4);
      }
      // Anything else (white space, stray bytes) is skipped, as readers do.
    }
    return false;
  }, tail);
}

function runLength(): Transform {
  let state: { copy: number } | { repeat: number } | undefined;
  return decoder((chunk, out) => {
    for (const c of chunk) {
      if (!state) {
        if (c === 128) return true;
        state = c < 128 ? { copy: c + 1 } : { repeat: 257 - c };
      } else if ('copy' in state) {
        out.push(c);
        if (--state.copy === 0) state = undefined;
      } else {
        for (let i = 0; i < state.repeat; i++) out.push(c);
        state = undefined;
      }
    }
    return false;
  });
}

/** LZW as PDF uses it: 9 to 12 bit codes, 256 clears, 257 ends, widths change one code early. */
function lzw(): Transform {
  const prefix = new Int32Array(4096);
  const suffix = new Uint8Array(4096);
  const first = new Uint8Array(4096);
  let next = 258;
  let width = 9;
  let previous = -1;
  let bits = 0;
  let bitCount = 0;
  const stack: number[] = [];
  for (let i = 0; i < 256; i++) {
    prefix[i] = -1;
    suffix[i] = i;
    first[i] = i;
  }
  const write = (code: number, out: Output) => {
    for (let c = code; c >= 0; c = prefix[c]) stack.push(suffix[c]);
    while (stack.length) out.push(stack.pop()!);
  };
  return decoder((chunk, out) => {
    for (const byte of chunk) {
      bits = ((bits << 8) | byte) & 0xffffff;
      bitCount += 8;
      while (bitCount >= width) {
        const code = (bits >>> (bitCount - width)) & ((1 << width) - 1);
        bitCount -= width;
        if (code === 256) {
          next = 258;
          width = 9;
          previous = -1;
          continue;
        }
        if (code === 257) return true;
        if (previous < 0) {
          if (code > 255) return true; // damaged: no string to start from
          write(code, out);
          previous = code;
          continue;
        }
        const known = code < next;
        if (!known && code !== next) return true; // damaged
        if (next < 4096) {
          prefix[next] = previous;
          suffix[next] = known ? first[code] : first[previous];
          first[next] = first[previous];
          next++;
        }
        write(code, out);
        previous = code;
        if (next + 1 >= 1 << width && width < 12) width++;
      }
    }
    return false;
  });
}
