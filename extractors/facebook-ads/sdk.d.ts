/**
 * The part of facebook-nodejs-business-sdk (shipped without types) this source uses, typed from
 * its source in node_modules/facebook-nodejs-business-sdk/src.
 */
declare module 'facebook-nodejs-business-sdk' {
  type Params = Record<string, unknown>;

  class FacebookAdsApi {
    static init(accessToken: string, locale?: string, crashLog?: boolean): FacebookAdsApi;
    static readonly GRAPH: string;
    static readonly VERSION: string;
    setShowHeader(flag: boolean): FacebookAdsApi;
    setDebug(flag: boolean): FacebookAdsApi;
    /**
     * One Graph request: `path` as parts (`[node, edge]`, joined under GRAPH/VERSION, token and
     * params in the query) or a full URL (a `paging.next` link). Resolves to the parsed JSON,
     * with the response headers under `headers` when setShowHeader(true).
     */
    call(method: 'GET' | 'POST', path: string | string[], params?: Params): Promise<unknown>;
  }

  class SdkObject {
    constructor(id?: string | null, data?: Params, parentId?: string, api?: FacebookAdsApi);
    readonly id: string;
    _data: Params;
  }

  class AdAccount extends SdkObject {
    read(fields: string[], params?: Params): Promise<AdAccount>;
    getInsightsAsync(fields: string[], params?: Params): Promise<AdReportRun>;
  }

  class AdReportRun extends SdkObject {
    get(fields: string[], params?: Params): Promise<AdReportRun>;
  }

  const sdk: {
    FacebookAdsApi: typeof FacebookAdsApi;
    AdAccount: typeof AdAccount;
    AdReportRun: typeof AdReportRun;
  };
  export default sdk;
  export type { AdAccount, AdReportRun, FacebookAdsApi, SdkObject };
}
