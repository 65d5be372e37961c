/** LIKE patterns from user text: `%`, `_` and `\` match themselves, never act as wildcards. */
const escapeLike = (text: string) => text.replace(/[\\%_]/g, (ch) => `\\${ch}`);

/** Matches values that start with `text`. */
export function likePrefix(text: string): string {
  return `${escapeLike(text)}%`;
}

/** Matches values that contain `text` anywhere (free-text search). */
export function likeContaining(text: string): string {
  return `%${escapeLike(text)}%`;
}
