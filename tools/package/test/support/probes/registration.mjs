// Invokes nothing: for tests that check only what an app registers.
export async function probe() {
  return null;
}
