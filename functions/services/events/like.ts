/** LIKE patterns from user text: `%`, `_` and `\` match themselves, never act as wildcards. */
export function likePrefix(text: string): string {
  return `${text.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
}
