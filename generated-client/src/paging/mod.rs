//! Paging: the state machine that walks a list that moves while it is
//! paged ([`pager`]), how a stream fetches its pages ([`options`]), and
//! the driver that keeps pages in flight ([`driver`]). [`pages`] puts them
//! together; the typed streams and [`crate::Query`]'s streams both come
//! from it, each with its own way to fetch one page.

pub(crate) mod driver;
pub(crate) mod keys;
pub(crate) mod options;
pub(crate) mod pager;

use futures::future::ready;
use futures::stream::{self, BoxStream, StreamExt};

use crate::error::Error;
use crate::spec::Operation;
use driver::FetchPage;
use options::PageOptions;
use pager::{Cursor, Page, Pager};

/// Every page of a pass over `operation`'s list as `options` say, each
/// fetched by `fetch`; an error item ends it, after every page before it.
pub(crate) fn pages<'a, T: Send + 'a>(
    operation: Operation,
    options: &PageOptions,
    fetch: FetchPage<'a, T>,
) -> BoxStream<'a, Result<Page<T>, Error>> {
    match pager_for(operation, options) {
        Ok(pager) => driver::drive(pager, fetch, options.prefetch),
        Err(error) => stream::once(ready(Err(error))).boxed(),
    }
}

/// The pager of a pass of `operation` as `options` say.
fn pager_for(operation: Operation, options: &PageOptions) -> Result<Pager, Error> {
    let Some(pagination) = operation.pagination() else {
        return Err(Error::Pagination {
            operation: operation.to_string(),
            message: "the spec describes no pagination for this operation".into(),
        });
    };
    let page_size = options.page_size.unwrap_or(pagination.default_page_size);
    if page_size < 1 {
        return Err(Error::InvalidInput {
            operation: operation.to_string(),
            parameter: "page_size".into(),
            value: page_size.to_string(),
            allowed: "at least 1".into(),
        });
    }
    let cursor = match &options.cursor {
        Some(cursor) => cursor.clone(),
        None => {
            if options.start_offset < 0 {
                return Err(Error::InvalidInput {
                    operation: operation.to_string(),
                    parameter: "start_offset".into(),
                    value: options.start_offset.to_string(),
                    allowed: "0 or more".into(),
                });
            }
            Cursor::at(options.start_offset)
        }
    };
    Ok(Pager::new(operation, pagination, page_size, cursor))
}
