// Placeholder until the real page lands.
export default function Page() {
  return <h1>Settings</h1>;
}
