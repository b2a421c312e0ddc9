import type { LoadedCommand } from './command.js';

/** One command in the registry: a summary for help, and a lazy loader (only the chosen command is imported). */
export interface CommandEntry {
  name: string;
  summary: string;
  load: () => Promise<LoadedCommand>;
}
export interface GroupEntry {
  name: string;
  summary: string;
  examples: readonly string[];
  commands: readonly CommandEntry[];
  /** Left out of help and completion (plumbing the completion scripts call). */
  hidden?: boolean;
}

// The static import() specifiers let esbuild split each command into its own chunk.
export const GROUPS: readonly GroupEntry[] = [
  {
    name: 'auth',
    summary: 'Sign in to a FitSync server and manage the session',
    examples: ['fitsync auth login --server https://fitsync.example.com', 'fitsync auth status', 'curl -H "Authorization: Bearer $(fitsync auth token)" …'],
    commands: [
      { name: 'login', summary: 'Sign in (asks for an MFA code when needed)', load: () => import('./cmd/auth/login.js') },
      { name: 'status', summary: 'Show whether you are signed in', load: () => import('./cmd/auth/status.js') },
      { name: 'logout', summary: 'Revoke the session and remove local credentials', load: () => import('./cmd/auth/logout.js') },
      { name: 'token', summary: 'Print a valid access token, for scripts', load: () => import('./cmd/auth/token.js') },
    ],
  },
  {
    name: 'mfa',
    summary: 'Manage multi-factor authentication (TOTP) of your FitSync account',
    examples: ['fitsync mfa enable', 'fitsync mfa disable --code 123456', 'fitsync mfa recovery-codes --code 123456'],
    commands: [
      { name: 'status', summary: 'Show whether MFA is enabled', load: () => import('./cmd/mfa/status.js') },
      { name: 'enable', summary: 'Enable TOTP MFA and get recovery codes', load: () => import('./cmd/mfa/enable.js') },
      { name: 'disable', summary: 'Disable TOTP MFA', load: () => import('./cmd/mfa/disable.js') },
      { name: 'recovery-codes', summary: 'Replace your recovery codes', load: () => import('./cmd/mfa/recovery-codes.js') },
    ],
  },
  {
    name: 'garmin',
    summary: 'Link your Garmin Connect account to the FitSync server',
    examples: ['fitsync garmin connect', 'fitsync garmin connect --challenge ID --mfa-code 123456', 'fitsync garmin status -o json', 'fitsync garmin import-tokens ~/.garminconnect', 'fitsync garmin disconnect'],
    commands: [
      { name: 'connect', summary: 'Link Garmin Connect (asks for Garmin’s code when needed)', load: () => import('./cmd/garmin/connect.js') },
      { name: 'status', summary: 'Show the Garmin link', load: () => import('./cmd/garmin/status.js') },
      { name: 'disconnect', summary: 'Unlink Garmin; the server erases the Garmin tokens', load: () => import('./cmd/garmin/disconnect.js') },
      { name: 'import-tokens', summary: 'Link Garmin with tokens python-garminconnect or garth saved', load: () => import('./cmd/garmin/import-tokens.js') },
    ],
  },
  {
    name: 'sync',
    summary: 'Start, follow and cancel syncs of your Garmin Connect data',
    examples: [
      'fitsync sync start --wait',
      'fitsync sync status --watch',
      'fitsync sync list --status failed',
      'fitsync sync cancel JOB_ID',
      'fitsync sync schedule set --every 6h',
    ],
    commands: [
      { name: 'start', summary: 'Start a sync (--wait to follow it)', load: () => import('./cmd/sync/start.js') },
      { name: 'status', summary: 'Show a sync job, the latest by default (--watch to follow it)', load: () => import('./cmd/sync/status.js') },
      { name: 'list', summary: 'List your sync jobs, newest first', load: () => import('./cmd/sync/list.js') },
      { name: 'cancel', summary: 'Cancel a pending or running sync job', load: () => import('./cmd/sync/cancel.js') },
      { name: 'schedule', summary: 'Sync automatically: set, show or turn off your schedule', load: () => import('./cmd/sync/schedule.js') },
    ],
  },
  {
    name: 'import',
    summary: "Import Garmin's data export: years of history without Garmin API calls",
    examples: ['fitsync import garmin-export ~/Downloads/export.zip', 'fitsync import garmin-export export.zip --wait'],
    commands: [
      {
        name: 'garmin-export',
        summary: "Upload Garmin's export zip (resumable) and start an import job (--wait to follow it)",
        load: () => import('./cmd/import/garmin-export.js'),
      },
    ],
  },
  {
    name: 'activities',
    summary: 'List, show and export synced activities, download their FIT files, list gear and personal records',
    examples: [
      'fitsync activities list --since 2026-01-01',
      'fitsync activities show 18234567890',
      'fitsync activities export 18234567890 --format gpx',
      'fitsync activities export --since 2026-01-01 --format tcx --dir exports',
      'fitsync activities gear',
      'fitsync activities records -o json',
    ],
    commands: [
      { name: 'list', summary: 'List synced activities, newest first', load: () => import('./cmd/activities/list.js') },
      { name: 'show', summary: 'Show one activity: summary, laps and, on a terminal, charts and the track', load: () => import('./cmd/activities/show.js') },
      { name: 'export', summary: 'Export activities as GPX, TCX, CSV or FIT files', load: () => import('./cmd/activities/export.js') },
      { name: 'download', summary: 'Download the original FIT file of an activity', load: () => import('./cmd/activities/download.js') },
      { name: 'gear', summary: 'List your shoes, bikes and other gear with their totals', load: () => import('./cmd/activities/gear.js') },
      { name: 'records', summary: 'List your personal records', load: () => import('./cmd/activities/records.js') },
    ],
  },
  {
    name: 'health',
    summary: 'Daily health values, intraday series and charts of them',
    examples: [
      'fitsync health days --since 2026-03-01',
      'fitsync health show',
      'fitsync health trend resting_hr --since 2026-01-01',
      'fitsync health series heart_rate --date 2026-03-14 -o csv',
    ],
    commands: [
      { name: 'days', summary: 'List daily health values, oldest first', load: () => import('./cmd/health/days.js') },
      { name: 'show', summary: 'Show one day: its numbers and, on a terminal, charts', load: () => import('./cmd/health/show.js') },
      { name: 'trend', summary: 'Follow one daily value over time (a chart on a terminal)', load: () => import('./cmd/health/trend.js') },
      { name: 'series', summary: "Print one day's intraday readings of a metric", load: () => import('./cmd/health/series.js') },
    ],
  },
  {
    name: 'completion',
    summary: 'Print a shell completion script for bash, zsh or fish',
    examples: ['source <(fitsync completion bash)', 'fitsync completion zsh > ~/.zfunc/_fitsync', 'fitsync completion fish > ~/.config/fish/completions/fitsync.fish'],
    commands: [
      { name: 'bash', summary: 'Completion for bash', load: async () => (await import('./cmd/completion/completion.js')).completionCommand('bash') },
      { name: 'zsh', summary: 'Completion for zsh', load: async () => (await import('./cmd/completion/completion.js')).completionCommand('zsh') },
      { name: 'fish', summary: 'Completion for fish', load: async () => (await import('./cmd/completion/completion.js')).completionCommand('fish') },
    ],
  },
  {
    name: '__complete',
    summary: 'Values for the completion scripts, from local files only',
    examples: ['fitsync __complete jobs'],
    hidden: true,
    commands: [{ name: 'jobs', summary: 'Print the ids of recent sync jobs', load: () => import('./cmd/completion/complete-jobs.js') }],
  },
];

export function findGroup(name: string | undefined): GroupEntry | undefined {
  return GROUPS.find((g) => g.name === name);
}
