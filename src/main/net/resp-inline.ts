// Splits one inline command line (`SET "a b" 'c'`) into arguments the way redis-server does, so that
// `nc` and telnet users can quote spaces and bytes exactly as they would against Redis:
// - double quotes take the escapes \n \r \t \b \a \\ \" and \xHH;
// - single quotes take only \' ;
// - a closing quote must be followed by a space or the end of the line.

export type InlineSplit =
  | { readonly ok: true; readonly args: Uint8Array[] }
  | { readonly ok: false; readonly message: 'unbalanced quotes in request' };

const SPACE = 0x20;
const DOUBLE_QUOTE = 0x22;
const SINGLE_QUOTE = 0x27;
const BACKSLASH = 0x5c;

const UNBALANCED: InlineSplit = { ok: false, message: 'unbalanced quotes in request' };

function isSpace(byte: number): boolean {
  // isspace() in the C locale: space, \t, \n, \v, \f, \r.
  return byte === SPACE || (byte >= 0x09 && byte <= 0x0d);
}

function hexValue(byte: number | undefined): number {
  if (byte === undefined) return -1;
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  if (byte >= 0x61 && byte <= 0x66) return byte - 0x57;
  if (byte >= 0x41 && byte <= 0x46) return byte - 0x37;
  return -1;
}

function escapedByte(byte: number): number {
  switch (byte) {
    case 0x6e: // n
      return 0x0a;
    case 0x72: // r
      return 0x0d;
    case 0x74: // t
      return 0x09;
    case 0x62: // b
      return 0x08;
    case 0x61: // a
      return 0x07;
    default:
      return byte;
  }
}

/** `line` excludes the line terminator. The result's arguments are fresh copies. */
export function splitInline(line: Uint8Array): InlineSplit {
  const args: Uint8Array[] = [];
  const length = line.length;
  // One scratch buffer as big as the line: no argument can be longer than the line itself.
  const scratch = new Uint8Array(length);
  let i = 0;
  for (;;) {
    while (i < length && isSpace(line[i]!)) i++;
    if (i >= length) return { ok: true, args };
    let used = 0;
    let inDouble = false;
    let inSingle = false;
    let done = false;
    while (!done) {
      const byte = line[i];
      if (inDouble) {
        if (byte === undefined) return UNBALANCED;
        const next = line[i + 1];
        if (byte === BACKSLASH && next === 0x78 && hexValue(line[i + 2]) >= 0 && hexValue(line[i + 3]) >= 0) {
          scratch[used++] = hexValue(line[i + 2]) * 16 + hexValue(line[i + 3]);
          i += 3;
        } else if (byte === BACKSLASH && next !== undefined) {
          scratch[used++] = escapedByte(next);
          i++;
        } else if (byte === DOUBLE_QUOTE) {
          const after = line[i + 1];
          if (after !== undefined && !isSpace(after)) return UNBALANCED;
          done = true;
        } else {
          scratch[used++] = byte;
        }
      } else if (inSingle) {
        if (byte === undefined) return UNBALANCED;
        if (byte === BACKSLASH && line[i + 1] === SINGLE_QUOTE) {
          scratch[used++] = SINGLE_QUOTE;
          i++;
        } else if (byte === SINGLE_QUOTE) {
          const after = line[i + 1];
          if (after !== undefined && !isSpace(after)) return UNBALANCED;
          done = true;
        } else {
          scratch[used++] = byte;
        }
      } else if (byte === undefined || isSpace(byte)) {
        done = true;
      } else if (byte === DOUBLE_QUOTE) {
        inDouble = true;
      } else if (byte === SINGLE_QUOTE) {
        inSingle = true;
      } else {
        scratch[used++] = byte;
      }
      if (i < length) i++;
    }
    args.push(scratch.slice(0, used));
  }
}
