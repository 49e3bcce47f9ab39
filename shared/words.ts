/** Counting in words: "1 day", "2 days", "1 row", "1 entry", "3 entries". */
export function plural(n: number | bigint, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${Number(n) === 1 ? one : many}`;
}
