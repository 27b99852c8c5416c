// Teaches this Node process to load the kit's TypeScript (tsx) and to resolve the kit's module names
// (`@distlab/kit/<module>`, and the labs' prerequisite specifiers) through the resolve hook. The CLI
// calls it on start; child processes that run lab code (services, the node host) load it with --import.
import * as nodeModule from "node:module";
import { register as registerTsx } from "tsx/esm/api";
import { resolve } from "./resolve-hook.js";

// In-thread hooks read DISTLAB_LAB_DIRS when a module is resolved, so a command may set it after start
// (`distlab run` does). Hooks registered with register() run on their own thread, which sees only the
// environment of the moment they were registered: enough for child processes, which get it at spawn.
if (nodeModule.registerHooks) nodeModule.registerHooks({ resolve });
else nodeModule.register("./resolve-hook.js", import.meta.url);
// tsx must not apply tsconfig.json's `paths`: they point the type checker at the starters' signatures,
// while at run time a lab specifier means what this run's prerequisite map says.
registerTsx({ tsconfig: false });
