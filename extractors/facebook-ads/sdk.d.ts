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
  }

  /** A page of an edge; `next()` loads the following page into the same object. */
  interface Cursor<T> extends Array<T> {
    hasNext(): boolean;
    next(): Promise<Cursor<T>>;
    headers?: Record<string, string>;
  }

  class SdkObject {
    constructor(id?: string | null, data?: Params, parentId?: string, api?: FacebookAdsApi);
    readonly id: string;
    _data: Params;
  }

  class AdAccount extends SdkObject {
    read(fields: string[], params?: Params): Promise<AdAccount>;
    getCampaigns(fields: string[], params?: Params): Promise<Cursor<SdkObject>>;
    getAdSets(fields: string[], params?: Params): Promise<Cursor<SdkObject>>;
    getAds(fields: string[], params?: Params): Promise<Cursor<SdkObject>>;
    getInsightsAsync(fields: string[], params?: Params): Promise<AdReportRun>;
  }

  class AdReportRun extends SdkObject {
    get(fields: string[], params?: Params): Promise<AdReportRun>;
    getInsights(fields: string[], params?: Params): Promise<Cursor<SdkObject>>;
  }

  const sdk: {
    FacebookAdsApi: typeof FacebookAdsApi;
    AdAccount: typeof AdAccount;
    AdReportRun: typeof AdReportRun;
  };
  export default sdk;
  export type { AdAccount, AdReportRun, Cursor, FacebookAdsApi, SdkObject };
}
