export {
  makeTempDir,
  restartService,
  startService,
  stopAllServices,
  type ExitStatus,
  type ServiceProcess,
  type StartOptions,
} from "./process.ts";
