// Types of resolve-hook.js, which stays plain JavaScript because it runs before the TypeScript loader.
import type { ResolveHookContext, ResolveFnOutput } from "node:module";

export interface LabDirsJson {
  underTest?: string;
  labs: Record<string, { dir: string; prerequisites: string[]; source?: string }>;
}

export const LAB_DIRS_ENV: "DISTLAB_LAB_DIRS";
export function kitModulePath(specifier: string): string | undefined;
export function readLabDirs(env?: NodeJS.ProcessEnv): LabDirsJson | undefined;
export function labOfFile(path: string, labDirs: LabDirsJson | undefined): string | undefined;
export function resolveLabSpecifier(
  specifier: string,
  importerPath: string | undefined,
  labDirs: LabDirsJson | undefined,
): string | undefined;
export function resolve(
  specifier: string,
  context: ResolveHookContext,
  nextResolve: (specifier: string, context?: Partial<ResolveHookContext>) => ResolveFnOutput,
): ResolveFnOutput;
