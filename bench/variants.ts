/**
 * What the bench compares: the official connector and this one, with the scopes each is run with,
 * and the stand-in's two apps they sign in with.
 */

/** A stand-in app's placeholder credentials; nothing real. */
export type BenchApp = { clientId: string; clientSecret: string };

/** The official connector's app at the stand-in. */
export const officialApp: BenchApp = { clientId: 'bench-official-app', clientSecret: 'bench-official-secret' };

/** This connector's app at the stand-in. */
export const ourApp: BenchApp = { clientId: 'bench-our-app', clientSecret: 'bench-our-secret' };

/** The key of a compared variant. */
export type VariantKey = 'official' | 'ours' | 'oursOpenid';

/** One connector with one scope. */
export type Variant = {
  key: VariantKey;
  label: string;
  connector: 'official' | 'ours';
  app: BenchApp;
  scope: string;
};

/** The variants, in table order. */
export const variants: readonly Variant[] = [
  { key: 'official', label: 'official, profile', connector: 'official', app: officialApp, scope: 'profile' },
  { key: 'ours', label: 'ours, profile', connector: 'ours', app: ourApp, scope: 'profile' },
  { key: 'oursOpenid', label: 'ours, openid profile', connector: 'ours', app: ourApp, scope: 'openid profile' },
];

/** A value per variant. */
export type PerVariant<T> = Record<VariantKey, T>;

/** Builds a value per variant. */
export const perVariant = <T>(make: (variant: Variant) => T): PerVariant<T> =>
  Object.fromEntries(variants.map((variant) => [variant.key, make(variant)])) as PerVariant<T>;
