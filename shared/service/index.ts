export { createService, type ServiceApp, type ServiceOptions } from "./app.ts";
export { sendProblem } from "./errors.ts";
export {
  HttpProblem,
  PROBLEM_CONTENT_TYPE,
  TodoError,
  problem,
  todo,
  type FieldError,
  type Problem,
} from "./problem.ts";
export { runService, serviceConfigFromEnv, type RunnableService, type ServiceConfig } from "./run.ts";
