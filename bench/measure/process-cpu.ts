/**
 * CPU seconds this process has used, its threads and its finished child processes (tesseract,
 * pdftoppm) included, from Linux's /proc/self/stat (utime + stime + cutime + cstime). Node's
 * process.cpuUsage() leaves the children out. A cost per page measured this way does not change
 * with what else the machine runs, where pages per second do: a load-proof second opinion.
 */
import { readFileSync } from "node:fs";

/** Linux's USER_HZ: the unit of /proc's CPU times, 100 on every mainstream architecture. */
const CLOCK_TICKS_PER_SECOND = 100;

export function processCpuSeconds(): number {
  const stat = readFileSync("/proc/self/stat", "utf8");
  // Fields after the command name, which is in parentheses and may itself hold spaces.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // utime, stime, cutime, cstime are fields 14 to 17 of stat(5); field 3 is the first after the name.
  const ticks = [11, 12, 13, 14].reduce((sum, index) => sum + Number(fields[index]), 0);
  return ticks / CLOCK_TICKS_PER_SECOND;
}
