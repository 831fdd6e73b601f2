import { z } from 'zod';
import { result } from './result';
import { ParseError } from './errors';
import { contentLines, quote } from './text';

export const MdadmDetailScan = z.object({
  arrays: z.array(
    z.object({
      /** `/dev/md0`, `/dev/md/0`; null for a container line that names no device. */
      device: z.string().nullable(),
      /** `1.2`, `0.90`, `imsm` */
      metadata: z.string().nullable(),
      /** `host:0` */
      name: z.string().nullable(),
      uuid: z.string().nullable(),
      /** Spares the array expects (`spares=1`); null when not written. */
      spares: z.number().int().nullable(),
      /** `level=raid5`, `num-devices=4` and `devices=` come with `--verbose`. */
      level: z.string().nullable(),
      numDevices: z.number().int().nullable(),
      devices: z.array(z.string()),
      /** `INACTIVE-ARRAY`: assembled but not started. */
      inactive: z.boolean(),
    }),
  ),
});
export type MdadmDetailScan = z.infer<typeof MdadmDetailScan>;

/** mdadm.conf's other keywords; mdadm accepts any abbreviation of at least three letters. */
const CONF_KEYWORD = /^(DEV|CRE|HOM|MAI|PRO|AUT|POL|PAR|SYS|ENC|MON)[A-Z-]*(\s|$)/;

/**
 * `mdadm --detail --scan [--verbose]` and `/etc/mdadm/mdadm.conf`: ARRAY lines with their
 * indented continuation lines; comments and the other keywords are skipped.
 */
export function parseMdadmDetailScan(text: string): MdadmDetailScan {
  const kind = 'mdadm-detail-scan';
  const arrays: MdadmDetailScan['arrays'] = [];
  let inArray = false;
  for (const line of contentLines(kind, text)) {
    const s = line.text.trim();
    if (s.startsWith('#')) continue;
    const continuation = /^\s/.test(line.text);
    const m = /^(ARRAY|INACTIVE-ARRAY)(?:\s+(.*))?$/.exec(s);
    if (!m && continuation && inArray) {
      readWords(kind, line.no, s, arrays[arrays.length - 1]!);
    } else if (m) {
      const words = (m[2] ?? '').split(/\s+/).filter(Boolean);
      const device = words[0] && !words[0].includes('=') ? words.shift()! : null;
      const array: MdadmDetailScan['arrays'][number] = {
        device,
        metadata: null,
        name: null,
        uuid: null,
        spares: null,
        level: null,
        numDevices: null,
        devices: [],
        inactive: m[1] === 'INACTIVE-ARRAY',
      };
      readWords(kind, line.no, words.join(' '), array);
      arrays.push(array);
      inArray = true;
    } else if (!continuation && CONF_KEYWORD.test(s)) {
      inArray = false;
    } else if (!continuation) {
      throw new ParseError(kind, `cannot read ${quote(s)}: expected an "ARRAY /dev/mdN ..." line`, line.no);
    }
  }
  return result(kind, MdadmDetailScan, { arrays });
}

function readWords(kind: string, lineNo: number, words: string, array: MdadmDetailScan['arrays'][number]): void {
  for (const word of words.split(/\s+/).filter(Boolean)) {
    const m = /^([\w-]+)=(.*)$/.exec(word);
    if (!m) throw new ParseError(kind, `cannot read ${quote(word)}: expected key=value`, lineNo);
    const [key, value] = [m[1]!.toLowerCase(), m[2]!];
    if (key === 'metadata') array.metadata = value;
    else if (key === 'name') array.name = value;
    else if (key === 'uuid') array.uuid = value;
    else if (key === 'level') array.level = value;
    else if (key === 'spares' || key === 'num-devices') {
      if (!/^\d+$/.test(value)) throw new ParseError(kind, `${key}=${quote(value)} is not a number`, lineNo);
      if (key === 'spares') array.spares = Number(value);
      else array.numDevices = Number(value);
    } else if (key === 'devices') array.devices.push(...value.split(',').filter(Boolean));
  }
}
