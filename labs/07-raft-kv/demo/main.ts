export async function demo() {
  return undefined;
}
