// Teaches this Node process to load the kit's TypeScript (tsx) and to resolve the kit's module names
// (`@distlab/kit/<module>`, and the labs' prerequisite specifiers) through the resolve hook. The CLI
// calls it on start; child processes that run lab code (services, the node host) load it with --import.
import { register } from "node:module";
import { register as registerTsx } from "tsx/esm/api";

register("./resolve-hook.js", import.meta.url);
registerTsx();
