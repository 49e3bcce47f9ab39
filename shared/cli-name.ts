/**
 * How a person runs the command line, in messages that tell them to: from a clone of the
 * project, through npm (as the README shows), since `partnergate` alone is not on their PATH.
 */
export const CLI = 'npx partnergate';
