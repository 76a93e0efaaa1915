import { describe, expect, it } from '@jest/globals';
import { PermanentError, RetryableError } from '@app/contracts';
import { mapXta2Error, readXta2Fault } from './xta2-fault.mapper.js';

/** A fault error as node-soap's client raises it for a SOAP 1.2 fault (err.root is the parsed envelope). */
function fault12(code: string, detail?: Record<string, unknown>): unknown {
  return {
    message: 'fault',
    response: { status: code.endsWith('Sender') ? 400 : 500 },
    root: { Envelope: { Body: { Fault: { Code: { Value: code }, Reason: { Text: 'reason' }, ...(detail ? { Detail: detail } : {}) } } } },
  };
}

const xtaDetail = (exception: string) => ({ [exception]: { errorCode: { attributes: { listURI: 'urn:de:xta:webservice:codeliste:fehlernummer' }, code: '9030', name: 'Fehler' } } });

describe('mapXta2Error', () => {
  it.each([
    ['PermissionDeniedException', PermanentError, 'xta2-permission-denied'],
    ['ParameterIsNotValidException', PermanentError, 'xta2-parameter-invalid'],
    ['MessageSchemaViolationException', PermanentError, 'xta2-schema-violation'],
    ['MessageVirusDetectionException', PermanentError, 'xta2-virus-detected'],
    ['SyncAsyncException', PermanentError, 'xta2-sync-async'],
    ['InvalidMessageIDException', PermanentError, 'xta2-invalid-message-id'],
    ['CancelDeniedException', PermanentError, 'xta2-cancel-denied'],
    ['XTAWSTechnicalProblemException', RetryableError, 'xta2-technical-problem'],
  ])('%s in the detail decides, whatever the fault code says', (exception, kind, code) => {
    // Common SOAP stacks send every declared exception as Receiver; a Sender code must not turn the technical problem permanent either.
    for (const faultCode of ['env:Receiver', 'soap:Sender']) {
      const error = mapXta2Error(fault12(faultCode, xtaDetail(exception)), 'sendMessage at https://xta', 1000);
      expect(error).toBeInstanceOf(kind);
      expect(error.code).toBe(code);
      expect(error.message).toContain(`with ${exception} (error 9030: Fehler)`);
    }
  });

  it('reads the exception under a SOAP 1.1 detail and under a prefixed key', () => {
    const fault11 = { root: { Envelope: { Body: { Fault: { faultcode: 'soap:Server', faultstring: 'x', detail: { 'xta:PermissionDeniedException': { errorCode: { code: '1' } } } } } } } };
    expect(readXta2Fault(fault11)).toEqual({ exception: 'PermissionDeniedException', errorCode: '1' });
  });

  it('maps faults without an XTA exception by their code', () => {
    expect(mapXta2Error(fault12('env:Sender'), 'op', 1000)).toBeInstanceOf(PermanentError);
    expect(mapXta2Error(fault12('env:Receiver'), 'op', 1000)).toBeInstanceOf(RetryableError);
    expect(mapXta2Error(fault12('env:Receiver', { Other: { x: '1' } }), 'op', 1000)).toBeInstanceOf(RetryableError);
  });

  it('maps transport failures: timeouts and refused connections may pass, HTTP 4xx will not', () => {
    expect(mapXta2Error({ code: 'ERR_CANCELED', message: 'canceled' }, 'op', 1000)).toMatchObject({ code: 'timeout', retryable: true });
    expect(mapXta2Error({ code: 'ECONNREFUSED' }, 'op', 1000)).toMatchObject({ code: 'unreachable', retryable: true });
    expect(mapXta2Error({ response: { status: 503 } }, 'op', 1000)).toBeInstanceOf(RetryableError);
    expect(mapXta2Error({ response: { status: 404 } }, 'op', 1000)).toBeInstanceOf(PermanentError);
  });

  it('passes errors that are already classified through unchanged', () => {
    const permanent = new PermanentError('no', 'x');
    const retryable = new RetryableError('later', 'y');
    expect(mapXta2Error(permanent, 'op', 1)).toBe(permanent);
    expect(mapXta2Error(retryable, 'op', 1)).toBe(retryable);
  });
});
