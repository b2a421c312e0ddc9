/** smol-toml, loaded only when a command reads or writes a local file (start-up time). */
export async function loadToml(): Promise<typeof import('smol-toml')> {
  return import('smol-toml');
}
