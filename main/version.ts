/** The product's version, as package.json says (shown by the admin UI). */
import pkg from '../package.json' with { type: 'json' };

export const PRODUCT_VERSION: string = pkg.version;
