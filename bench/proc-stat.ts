// CPU times from Linux's /proc stat files (proc(5)), for the benchmarks that split CPU by process or thread.
import fs from 'node:fs';

/** USER_HZ: the times in /proc stat files are in 1/100 s. */
const CLK_TCK = 100;

export interface ProcCpu {
  /** The process's or thread's name (`comm`). */
  readonly name: string;
  /** Its own CPU seconds so far, user + system (utime + stime). */
  readonly own: number;
  /** CPU seconds of its children it has waited for (cutime + cstime). */
  readonly children: number;
}

/** Reads `/proc/<pid>/stat` or `/proc/self/task/<tid>/stat`; throws where there is no such file. */
export function procCpu(statFile: string): ProcCpu {
  const stat = fs.readFileSync(statFile, 'utf8');
  // The name may hold spaces and parentheses: the fields after it start after the last ')'. There, field 3
  // of proc(5) is index 0, so utime, stime, cutime and cstime (fields 14 to 17) are 11 to 14.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const seconds = (i: number) => Number(fields[i]) / CLK_TCK;
  return {
    name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')),
    own: seconds(11) + seconds(12),
    children: seconds(13) + seconds(14),
  };
}
