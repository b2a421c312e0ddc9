/** Entry point; returns the process exit code. (placeholder until the package lands) */
export async function main(_argv: string[]): Promise<number> {
  process.stderr.write('not implemented yet\n');
  return 1;
}
