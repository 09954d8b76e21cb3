// Helpers for command handlers. Handlers see the raw argument bytes (keys and values are
// binary-safe); only the command name is normalised, because commands are case-insensitive.

/** `args[0]` in upper case ASCII, e.g. `set` -> `SET`; '' when there are no arguments. */
export function commandName(args: readonly Uint8Array[]): string {
  const first = args[0];
  if (first === undefined) return '';
  let name = '';
  for (let i = 0; i < first.length; i++) {
    const byte = first[i]!;
    // Only a-z change; other bytes keep their value (as latin1) so an unknown name can be echoed back.
    name += String.fromCharCode(byte >= 0x61 && byte <= 0x7a ? byte - 0x20 : byte);
  }
  return name;
}

/** An argument as text, for messages and logs; invalid UTF-8 becomes U+FFFD. */
export function argText(arg: Uint8Array): string {
  return Buffer.from(arg.buffer, arg.byteOffset, arg.byteLength).toString('utf8');
}
