/** `ksp` exit codes: 0 done, 1 the request failed (or the answer says not ok), 2 the command line is wrong. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
