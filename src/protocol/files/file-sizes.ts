// Sizes for people: decimal units as file managers and `ls --si` show them (1.0 MB is a million
// bytes), one decimal below 100 of a unit so that a file's growth stays visible.
const UNITS = ['kB', 'MB', 'GB', 'TB', 'PB'];

export function formatSize(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  let value = bytes;
  let unit = -1;
  while (value >= 999.95 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value < 100 ? value.toFixed(1) : Math.round(value)} ${UNITS[unit]}`;
}
