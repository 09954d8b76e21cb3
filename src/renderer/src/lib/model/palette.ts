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

/** The leader's fill, and nothing else's: one colour, one meaning. */
export const LEADER_COLOUR = OKABE_ITO.orange;

/**
 * Group colours on the ring and around each group, in group order. Orange is the leader's and
 * yellow is kept for highlights, so neither names a group.
 */
const GROUP_COLOURS = [
  OKABE_ITO.skyBlue,
  OKABE_ITO.bluishGreen,
  OKABE_ITO.reddishPurple,
  OKABE_ITO.blue,
  OKABE_ITO.vermillion,
  '#7f7f7f',
] as const;

/**
 * Log entry fills by term: pale tints, so that no term shares a colour with a group or the leader;
 * the term number is always printed on the entry too.
 */
const TERM_COLOURS = ['#d6ecf8', '#f3e9a0', '#b9e3d6', '#eed1e1', '#b3d1e6', '#f4c8a8', '#dcdcdc'] as const;

/** Every colour with its one meaning, for the check that no colour means two things. */
export function coloursInUse(): {
  readonly leader: string;
  readonly groups: readonly string[];
  readonly terms: readonly string[];
} {
  return { leader: LEADER_COLOUR, groups: GROUP_COLOURS, terms: TERM_COLOURS };
}

export function groupColour(group: number): string {
  return GROUP_COLOURS[positiveModulo(group, GROUP_COLOURS.length)] ?? OKABE_ITO.black;
}

export function termColour(term: number): string {
  return TERM_COLOURS[positiveModulo(term, TERM_COLOURS.length)] ?? OKABE_ITO.black;
}

/** Dark text reads on every term tint; blue, vermillion and black take white. */
export function textOn(fill: string): string {
  return fill === OKABE_ITO.blue || fill === OKABE_ITO.vermillion || fill === OKABE_ITO.black ? '#ffffff' : '#111111';
}

function positiveModulo(value: number, modulus: number): number {
  return ((Math.trunc(value) % modulus) + modulus) % modulus;
}
