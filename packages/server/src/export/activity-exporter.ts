import type { Readable } from 'node:stream';
import { EXPORT_MEDIA, type ExportFormat, RECORD_FIELDS } from '@fitsync/api';
import type { ActivityReader } from '../activities/activity-reader.js';
import { ApiError } from '../http/api-error.js';
import type { DataService } from '../services/data-service.js';
import type { FitBlobs } from '../blobs/blob-store.js';
import { chunkedStream } from './chunked.js';
import { renderCsv } from './csv.js';
import { renderGpx } from './gpx.js';
import { hasPosition, recordColumns } from './record-columns.js';
import { renderTcx } from './tcx.js';

/** An export ready to send: media type, file name and the bytes as a stream. */
export interface ActivityExport {
  type: string;
  filename: string;
  body: Readable;
  /** Known up front only for the original FIT file. */
  size?: number;
}

export interface ActivityExporterDeps {
  reader: ActivityReader;
  /** Where an activity's original FIT file is (404 when it has none), and the files themselves. */
  data: Pick<DataService, 'fitOf'>;
  fitStore: Pick<FitBlobs, 'open'>;
}

/**
 * Exports one activity in a format of EXPORT_FORMATS (product.md Part 2 §C): GPX, TCX and CSV are
 * rendered from the decoded records as the client reads them; FIT is the stored original file,
 * whatever its decode state. Refuses with 422 what a format cannot carry (docs/activities.md).
 */
export class ActivityExporter {
  constructor(private readonly d: ActivityExporterDeps) {}

  async export(userId: string, activityId: string, format: ExportFormat): Promise<ActivityExport> {
    const { type, ext } = EXPORT_MEDIA[format];
    const filename = `${activityId}.${ext}`;
    if (format === 'fit') return { type, filename, ...(await this.originalFit(userId, activityId)) };

    const detail = await this.d.reader.detail(userId, activityId);
    const fitStill = 'format=fit still gives the original file.';
    if (detail.decode_error !== null) {
      throw new ApiError(
        422,
        'decode_error',
        `The FIT file of activity ${activityId} could not be decoded (${detail.decode_error}), so there is no ` +
          `${format} to write; ${fitStill}`,
      );
    }
    // Not decoded yet (or no file): the reader says which; the original, when there is one, is still served.
    const records = await this.d.reader.records(userId, activityId, RECORD_FIELDS).catch((err: unknown) => {
      if (!(err instanceof ApiError && err.code === 'decode_error')) throw err;
      const hint = detail.fit_sha256 === null ? '' : ` ${fitStill}`;
      throw new ApiError(422, 'decode_error', `${err.message.replace(/\.?$/, '.')}${hint}`);
    });
    if (records.points.length === 0) {
      throw new ApiError(
        422,
        'nothing_to_export',
        `Activity ${activityId} has no records to export as ${format}; format=fit gives the original file.`,
      );
    }
    if (format === 'gpx') {
      const value = recordColumns(records);
      if (!records.points.some((p) => hasPosition(value, p))) {
        throw new ApiError(
          422,
          'nothing_to_export',
          `Activity ${activityId} has no positions: an indoor activity has no track; use tcx or csv.`,
        );
      }
    }
    const pieces =
      format === 'gpx' ? renderGpx(detail, records) : format === 'tcx' ? renderTcx(detail, records) : renderCsv(records);
    return { type, filename, body: chunkedStream(pieces) };
  }

  private async originalFit(userId: string, activityId: string): Promise<{ body: Readable; size: number }> {
    const sha256 = await this.d.data.fitOf(userId, activityId);
    try {
      const file = await this.d.fitStore.open(sha256);
      return { body: file.stream, size: file.size };
    } catch {
      throw new ApiError(404, 'not_found', `No activity ${activityId} with a stored FIT file.`);
    }
  }
}
