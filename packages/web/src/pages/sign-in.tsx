// Placeholder until the real page lands.
export default function Page() {
  return <h1>Sign in to FitSync</h1>;
}
