import { runService } from "@distlab/kit/service";
import { petStoreFromEnv } from "./petstore/service.ts";

/** PetStore: its settings are listed in petstore/service.ts. */
await runService({ name: "petstore", build: ({ logger }) => petStoreFromEnv({ logger }) });
