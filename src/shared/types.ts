/** Branded ids: a CourseId can't be passed where a LearnerId is expected. */
declare const brand: unique symbol;
export type Brand<T, B extends string> = T & { readonly [brand]: B };

export type PlatformId = Brand<string, 'PlatformId'>;
export type LearnerId = Brand<string, 'LearnerId'>;
export type CourseId = Brand<string, 'CourseId'>;
