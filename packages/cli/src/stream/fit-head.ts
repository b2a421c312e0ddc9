/** Every FIT file starts with a header whose bytes 8–11 are ".FIT" (FIT SDK, "FIT File Header"). */
export function isFitHead(head: Buffer): boolean {
  return head.length >= 12 && head.subarray(8, 12).toString('latin1') === '.FIT';
}
