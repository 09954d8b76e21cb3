// The Okabe–Ito palette: eight colours that stay distinct under the common colour-vision
// deficiencies. Every use of colour in the dashboard is paired with a shape or a label as well.
export const OKABE_ITO = {
  black: '#000000',
  orange: '#E69F00',
  skyBlue: '#56B4E9',
  bluishGreen: '#009E73',
  yellow: '#F0E442',
  blue: '#0072B2',
  vermillion: '#D55E00',
  reddishPurple: '#CC79A7',
} as const;

/** Group colours on the ring and around each group, in group order (yellow is kept for highlights). */
const GROUP_COLOURS = [
  OKABE_ITO.orange,
  OKABE_ITO.skyBlue,
  OKABE_ITO.bluishGreen,
  OKABE_ITO.reddishPurple,
  OKABE_ITO.blue,
  OKABE_ITO.vermillion,
] as const;

/** Log entry fills by term; the term number is always printed on the entry too. */
const TERM_COLOURS = ['#56B4E9', '#E69F00', '#009E73', '#CC79A7', '#F0E442', '#0072B2', '#D55E00'] as const;

export function groupColour(group: number): string {
  return GROUP_COLOURS[positiveModulo(group, GROUP_COLOURS.length)] ?? OKABE_ITO.black;
}

export function termColour(term: number): string {
  return TERM_COLOURS[positiveModulo(term, TERM_COLOURS.length)] ?? OKABE_ITO.black;
}

/** Dark text reads on every term colour except blue and vermillion, which take white. */
export function textOn(fill: string): string {
  return fill === OKABE_ITO.blue || fill === OKABE_ITO.vermillion || fill === OKABE_ITO.black ? '#ffffff' : '#111111';
}

function positiveModulo(value: number, modulus: number): number {
  return ((Math.trunc(value) % modulus) + modulus) % modulus;
}
