/** `partnergate` exits 0 when done, 1 when understood but not possible, 2 when the command was wrong. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
