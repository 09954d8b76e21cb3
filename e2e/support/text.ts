// Node ids such as 127.0.0.1:5001 go into accessible-name patterns; their dots must match only dots.
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
