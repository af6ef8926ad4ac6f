/** Base of the runner's own errors: each message already says where (file, model or test). */
export class DbtRunnerError extends Error {}
