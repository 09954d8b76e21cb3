// The keys this dashboard has seen written or read (from its own client panel and from client
// request events), most recent last and bounded, for the ring to show where they live.
export const KEY_LIMIT = 120;

export function rememberKey(keys: readonly string[], key: string, limit = KEY_LIMIT): string[] {
  if (key === '') return [...keys];
  const rest = keys.filter((k) => k !== key);
  rest.push(key);
  return rest.length > limit ? rest.slice(rest.length - limit) : rest;
}
