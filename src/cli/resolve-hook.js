// A module resolve hook: `@distlab/kit/<module>` names the kit runtime wherever the importing file lives,
// so a lab's code resolves the kit the same way from labs/, solutions/ or a student's folder elsewhere.
const kitShared = new URL("../../shared/", import.meta.url);

export async function resolve(specifier, context, nextResolve) {
  const match = /^@distlab\/kit\/([a-z-]+)$/.exec(specifier);
  if (match) return nextResolve(new URL(`${match[1]}/index.ts`, kitShared).href, context);
  return nextResolve(specifier, context);
}
