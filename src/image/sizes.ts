// How byte counts are written in messages: one rule, for inputs, uploads and data URLs.
const MB = 1024 * 1024;

/** `16777216` -> `16.0 MB`. */
export const megabytes = (n: number) => `${(n / MB).toFixed(1)} MB`;
