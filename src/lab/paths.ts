import { fileURLToPath } from "node:url";

/** The kit's own folder: the one holding package.json, labs/ and (in the instructor edition) solutions/. */
export const KIT_ROOT = fileURLToPath(new URL("../../", import.meta.url)).replace(/\/$/, "");
export const LABS_DIR = `${KIT_ROOT}/labs`;
export const SOLUTIONS_DIR = `${KIT_ROOT}/solutions`;
export const CLI_ENTRY = `${KIT_ROOT}/bin/distlab.js`;
