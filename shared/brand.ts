/**
 * The product's mark, as markup: the partner API reference serves it as its icon. The same
 * drawing as main/desktop/resources/icon.svg (a test keeps the two equal), from which the
 * desktop icons are rendered.
 */
export const PRODUCT_NAME = 'Partnergate';

export const ICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1024 1024">
  <defs>
    <linearGradient id="bg" x1="0" y1="0" x2="1" y2="1">
      <stop offset="0" stop-color="#4c6ef5"/>
      <stop offset="1" stop-color="#0c8599"/>
    </linearGradient>
  </defs>
  <rect x="64" y="64" width="896" height="896" rx="200" fill="url(#bg)"/>
  <g fill="none" stroke="#fff" stroke-linecap="round" stroke-linejoin="round">
    <path d="M292 812V452a220 220 0 0 1 440 0v360" stroke-width="84"/>
    <circle cx="512" cy="462" r="74" stroke-width="52"/>
    <path d="M512 536v236M512 652h64M512 722h48" stroke-width="52"/>
  </g>
</svg>
`;

/** The name partners save Partnergate's CA certificate under, in every snippet and handout. */
export const CA_FILE = 'partnergate-ca.pem';
