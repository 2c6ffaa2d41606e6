//! `docs-sync`: carries what API reference pages say into the spec.
//!
//! For each page, [`sync`] runs `docs-check` against the spec being
//! edited, settles the first unacknowledged difference with one minimal
//! textual edit ([`Editor`]), and checks again, until no difference is
//! left or none of those left can be settled. So an operation the spec
//! lacks is first added whole, and the page's own contradictions are
//! then settled the way the spec settles them already:
//!
//! | difference | edit |
//! | --- | --- |
//! | `operation-missing` | the operation, its parameters, its response schemas and example |
//! | `parameter-missing-in-spec` | the parameter, after the one the page lists before it |
//! | `parameter-required`, `parameter-type`, `parameter-range` | that flag, type or range (a shared component is replaced by the page's parameter) |
//! | `parameter-missing-on-page`, `field-missing-on-page` | the parameter or field is removed |
//! | `header-as-security-scheme` | an `x-acknowledged` entry on the scheme |
//! | `response-missing`, `example-missing-in-spec`, `example-differs` | the response, or the page's example |
//! | `field-missing-in-spec`, `field-type` | the field as the page's table gives it |
//! | `example-key` | an `x-acknowledged` entry for the alias |
//! | `example-undocumented-field` | an `x-aliases` spelling of the field the key loosely names, else the field itself; acknowledged |
//! | `example-type` | a string-or-integer (or other pair) schema named after the field; acknowledged |
//!
//! What the spec acknowledges is left alone. Nothing is written by this
//! module: the caller gets the new text and decides.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::draft::{self, Draft, NewSchema, acknowledgement, loose};
use super::page::{self, Page, Place as At, Row, Table};
use super::{Difference, DocsError, PageReport, Rule, check_page};
use crate::positions::escape;
use crate::source::SpecSource;
use crate::yaml_edit::{EditError, Editor, Place, Yaml};

/// The rules a field only the example shows is acknowledged for.
const UNDOCUMENTED: [Rule; 2] = [Rule::ExampleUndocumentedField, Rule::FieldMissingOnPage];
/// Why such a field is kept.
const UNDOCUMENTED_REASON: &str =
    "The example sends this field, which the tables do not list; the spec keeps it.";

/// Most edits made for one page; a guard against a loop that never ends.
const MAX_STEPS: usize = 1000;

/// One edit made to the spec.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// The page it comes from.
    pub page: PathBuf,
    /// The difference it settles.
    pub rule: Rule,
    /// The parameter or field it is about.
    pub field: String,
    /// What was done, in one sentence.
    pub what: String,
}

/// The result of [`sync`].
#[derive(Debug, Clone)]
pub struct Synced {
    /// The new spec text.
    pub text: String,
    /// Every edit, in the order it was made.
    pub changes: Vec<Change>,
    /// `docs-check` of each page against the new text.
    pub reports: Vec<PageReport>,
    /// Things the maintainer should look at (an operationId made up, say).
    pub notes: Vec<String>,
}

impl Synced {
    /// The differences no edit could settle.
    pub fn unsettled(&self) -> impl Iterator<Item = &Difference> {
        self.reports.iter().flat_map(|r| r.unacknowledged())
    }
}

/// Why nothing could be synced.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// A page could not be read.
    #[error(transparent)]
    Page(#[from] DocsError),
    /// The spec could not be read.
    #[error(transparent)]
    Spec(#[from] crate::Error),
    /// The spec is not YAML that can be edited.
    #[error("{}: {error}", file.display())]
    Yaml {
        /// The spec file.
        file: PathBuf,
        /// What is wrong.
        error: EditError,
    },
    /// An edit could not be made.
    #[error("{}: settling [{rule}] {field}: {error}", page.display())]
    Edit {
        /// The page the edit comes from.
        page: PathBuf,
        /// The difference being settled.
        rule: Rule,
        /// Its parameter or field.
        field: String,
        /// What went wrong.
        error: EditError,
    },
}

/// Carries `pages` (file name and text) into `spec_text` (read from
/// `spec_file`). Every page is read before anything is edited, so a page
/// that cannot be read changes nothing.
pub fn sync(
    spec_file: &Path,
    spec_text: &str,
    pages: &[(PathBuf, String)],
) -> Result<Synced, SyncError> {
    let parsed = read_pages(pages)?;
    SpecSource::parse(spec_file, spec_text)?;
    let editor = Editor::new(spec_text).map_err(|error| SyncError::Yaml {
        file: spec_file.to_path_buf(),
        error,
    })?;
    let mut run = Run {
        spec_file,
        editor,
        changes: Vec::new(),
        notes: Vec::new(),
    };
    for (file, page) in &parsed {
        run.page(file, page)?;
    }
    let source = SpecSource::parse(spec_file, run.editor.text())?;
    let reports = parsed
        .iter()
        .map(|(file, page)| check_page(&source, file, page))
        .collect();
    Ok(Synced {
        text: run.editor.text().to_string(),
        changes: run.changes,
        reports,
        notes: run.notes,
    })
}

/// Reads every page, failing on the first that cannot be read.
fn read_pages(pages: &[(PathBuf, String)]) -> Result<Vec<(PathBuf, Page)>, DocsError> {
    pages
        .iter()
        .map(|(file, text)| {
            let page = page::parse(text).map_err(|error| DocsError::Page {
                file: file.clone(),
                error,
            })?;
            Ok((file.clone(), page))
        })
        .collect()
}

/// The spec being edited, and what was done to it so far.
struct Run<'f> {
    spec_file: &'f Path,
    editor: Editor,
    changes: Vec<Change>,
    notes: Vec<String>,
}

impl Run<'_> {
    /// Settles the differences of one page, first to last, checking the
    /// page again after each edit; a difference no edit settles is
    /// skipped from then on.
    fn page(&mut self, file: &Path, page: &Page) -> Result<(), SyncError> {
        let draft = Draft::new(page);
        let mut skipped: Vec<(Rule, String, String)> = Vec::new();
        for _ in 0..MAX_STEPS {
            let source = SpecSource::parse(self.spec_file, self.editor.text())?;
            let report = check_page(&source, file, page);
            let Some(difference) = report
                .unacknowledged()
                .find(|d| !skipped.contains(&key(d)))
                .cloned()
            else {
                break;
            };
            if difference.rule == Rule::OperationMissing && draft.derived_id {
                self.notes.push(format!(
                    "{}: the page has no SDK sample; the operationId {} was made from the method and path",
                    file.display(),
                    draft.operation_id()
                ));
            }
            match self.settle(file, &draft, &difference)? {
                Some(change) => self.changes.push(change),
                None => skipped.push(key(&difference)),
            }
        }
        Ok(())
    }

    /// Makes the edit that settles `difference`: the change, or `None`
    /// when nothing was changed.
    fn settle(
        &mut self,
        file: &Path,
        draft: &Draft<'_>,
        difference: &Difference,
    ) -> Result<Option<Change>, SyncError> {
        let before = self.editor.text().to_string();
        let mut step = Step {
            editor: &mut self.editor,
            draft,
            page: draft.page(),
        };
        let done = step.settle(difference).map_err(|error| SyncError::Edit {
            page: file.to_path_buf(),
            rule: difference.rule,
            field: difference.field.clone(),
            error,
        })?;
        Ok(match done {
            Some(what) if self.editor.text() != before => Some(Change {
                page: file.to_path_buf(),
                rule: difference.rule,
                field: difference.field.clone(),
                what,
            }),
            _ => None,
        })
    }
}

fn key(d: &Difference) -> (Rule, String, String) {
    (d.rule, d.field.clone(), d.location.pointer.clone())
}

struct Step<'e, 'd, 'p> {
    editor: &'e mut Editor,
    draft: &'d Draft<'p>,
    page: &'p Page,
}

impl Step<'_, '_, '_> {
    fn doc(&self) -> &Value {
        self.editor.value()
    }

    /// Makes the edit that settles `d`, and says what it did; `None` when
    /// the page lacks what the edit needs.
    fn settle(&mut self, d: &Difference) -> Result<Option<String>, EditError> {
        match d.rule {
            Rule::OperationMissing => self.add_operation().map(Some),
            Rule::ParameterMissingInSpec => self.add_page_parameter(d),
            Rule::ParameterRequired => self.correct_parameter(d, Self::set_required),
            Rule::ParameterType => self.correct_parameter(d, Self::set_parameter_type),
            Rule::ParameterRange => self.correct_parameter(d, Self::set_parameter_range),
            Rule::ParameterMissingOnPage => self.remove_parameter(d).map(Some),
            Rule::HeaderAsSecurityScheme => self.acknowledge_header(d).map(Some),
            Rule::ResponseMissing => self.add_response(d).map(Some),
            Rule::ExampleMissingInSpec => self.add_example(d),
            Rule::ExampleDiffers => self.replace_example(d),
            Rule::FieldMissingInSpec => self.add_field(d),
            Rule::FieldType => self.retype_field(d),
            // The example still sends it: kept, and acknowledged.
            Rule::FieldMissingOnPage if find_key(&self.example(), &d.field).is_some() => {
                self.keep_field(d).map(Some)
            }
            Rule::FieldMissingOnPage => self.remove_field(d).map(Some),
            Rule::ExampleKey => self.acknowledge_spelling(d),
            Rule::ExampleUndocumentedField => {
                self.undocumented(&d.location.pointer, &d.field).map(Some)
            }
            Rule::ExampleType => self.accept_both_types(d),
        }
    }

    /// The page's example response, if it has one.
    fn example(&self) -> Option<Value> {
        self.page.example.as_ref().map(|e| e.value.clone())
    }

    /// Adds the page's parameter, after the one the page lists before it.
    fn add_page_parameter(&mut self, d: &Difference) -> Result<Option<String>, EditError> {
        let Some((place, row)) = parameter_row(self.page, d) else {
            return Ok(None);
        };
        let op = self.draft.operation_pointer();
        let parameter = self.draft.parameter(self.doc(), row, place);
        self.add_parameter(&op, row, parameter)?;
        Ok(Some(format!(
            "added {} parameter {}",
            place.as_str(),
            row.name
        )))
    }

    /// Makes a parameter say what the page says, with `fix`. A shared
    /// component (or a path-level parameter) is left as it is: this
    /// operation gets its own copy, as the page gives it.
    fn correct_parameter(
        &mut self,
        d: &Difference,
        fix: fn(&mut Self, &str, &Row) -> Result<String, EditError>,
    ) -> Result<Option<String>, EditError> {
        let Some((place, row)) = parameter_row(self.page, d) else {
            return Ok(None);
        };
        let op = self.draft.operation_pointer();
        let parameter = d.location.pointer.trim_end_matches("/schema");
        if parameter.starts_with(&format!("{op}/")) {
            return fix(self, parameter, row).map(Some);
        }
        let item = self
            .own_item(&op, parameter)
            .ok_or_else(|| not_listed(parameter))?;
        self.editor
            .set(&item, self.draft.inline_parameter(row, place))?;
        Ok(Some(format!(
            "wrote parameter {} out, as the page gives it",
            row.name
        )))
    }

    /// Removes a parameter the page does not document.
    fn remove_parameter(&mut self, d: &Difference) -> Result<String, EditError> {
        let pointer = d.location.pointer.as_str();
        let item = self
            .own_item(&self.draft.operation_pointer(), pointer)
            .ok_or_else(|| not_listed(pointer))?;
        self.editor.remove(&item)?;
        Ok(format!("removed parameter {}", d.field))
    }

    /// Acknowledges, on the security scheme, that it sends a header the
    /// page lists as a parameter.
    fn acknowledge_header(&mut self, d: &Difference) -> Result<String, EditError> {
        let reason = format!(
            "The page lists {} as a header parameter; the client sends it through this security scheme, from its configuration.",
            d.field
        );
        self.acknowledge(
            &d.location.pointer,
            &d.field,
            &[Rule::HeaderAsSecurityScheme],
            &reason,
        )?;
        Ok(format!(
            "acknowledged that a security scheme sends {}",
            d.field
        ))
    }

    /// Adds the page's success response, before the operation's first.
    fn add_response(&mut self, d: &Difference) -> Result<String, EditError> {
        let mut new = Vec::new();
        let response = self.draft.success_response(self.doc(), &mut new);
        let responses = format!("{}/responses", self.draft.operation_pointer());
        let first = self
            .doc()
            .pointer(&responses)
            .and_then(Value::as_object)
            .and_then(|m| m.keys().next().cloned());
        match first {
            Some(first) => {
                self.editor
                    .insert(&responses, &d.field, response, Place::Before(&first))?
            }
            None => self
                .editor
                .set(&responses, Yaml::Map(vec![(d.field.clone(), response)]))?,
        }
        self.add_schemas(new)?;
        Ok(format!("added the {} response", d.field))
    }

    /// Adds the page's example to a response that has none.
    fn add_example(&mut self, d: &Difference) -> Result<Option<String>, EditError> {
        let Some(examples) = self.draft.examples() else {
            return Ok(None);
        };
        self.editor
            .insert(&d.location.pointer, "examples", examples, Place::End)?;
        Ok(Some("added the page's example response".into()))
    }

    /// Replaces the spec's example response with the page's.
    fn replace_example(&mut self, d: &Difference) -> Result<Option<String>, EditError> {
        let Some(value) = self.draft.example_value() else {
            return Ok(None);
        };
        let Some(at) = example_node(&d.location.pointer) else {
            return Ok(None);
        };
        self.editor.set(&at, value)?;
        Ok(Some("replaced the example response with the page's".into()))
    }

    /// Adds a field the page's table documents.
    fn add_field(&mut self, d: &Difference) -> Result<Option<String>, EditError> {
        let Some((_, row)) = row(self.page, d) else {
            return Ok(None);
        };
        let mut new = Vec::new();
        let property = self.draft.property(self.doc(), row, &mut new);
        self.add_property(&d.location.pointer, row, property)?;
        self.add_schemas(new)?;
        Ok(Some(format!("added field {}", row.name)))
    }

    /// Gives a field the type the page's table gives it.
    fn retype_field(&mut self, d: &Difference) -> Result<Option<String>, EditError> {
        let Some((_, row)) = row(self.page, d) else {
            return Ok(None);
        };
        let pointer = d.location.pointer.as_str();
        let mut new = Vec::new();
        let property = self.draft.property(self.doc(), row, &mut new);
        let inline = self
            .doc()
            .pointer(pointer)
            .is_some_and(|p| p.get("$ref").is_none() && p.get("type").is_some());
        match property {
            // Both written out: only the type changes; the description and
            // the rest stay.
            Yaml::Map(entries) if inline && entries.iter().any(|(k, _)| k == "type") => {
                self.retype_in_place(pointer, &entries)?;
            }
            property => {
                let property = self.keep_aliases(pointer, property);
                self.editor.set(pointer, property)?;
            }
        }
        self.add_schemas(new)?;
        Ok(Some(format!(
            "gave field {} the page's type, {}",
            row.name, row.kind
        )))
    }

    /// Sets the `type`, `format` and `items` of the property at `pointer`
    /// to those of `entries`, removing the ones `entries` lacks.
    fn retype_in_place(
        &mut self,
        pointer: &str,
        entries: &[(String, Yaml)],
    ) -> Result<(), EditError> {
        for key in ["type", "format", "items"] {
            let at = format!("{pointer}/{key}");
            match entries.iter().find(|(k, _)| k == key) {
                Some((_, v)) => self.put(pointer, key, v.clone(), &["format", "type"])?,
                None if self.doc().pointer(&at).is_some() => self.editor.remove(&at)?,
                None => {}
            }
        }
        Ok(())
    }

    /// Keeps a field only the example shows, and acknowledges it.
    fn keep_field(&mut self, d: &Difference) -> Result<String, EditError> {
        self.acknowledge(
            &object_of(&d.location.pointer),
            &d.field,
            &UNDOCUMENTED,
            UNDOCUMENTED_REASON,
        )?;
        Ok(format!(
            "kept field {}, which only the example shows",
            d.field
        ))
    }

    /// Removes a field the page does not document, and its `required`
    /// entry.
    fn remove_field(&mut self, d: &Difference) -> Result<String, EditError> {
        let pointer = d.location.pointer.as_str();
        let object = object_of(pointer);
        self.editor.remove(pointer)?;
        let required = format!("{object}/required");
        let index = self
            .doc()
            .pointer(&required)
            .and_then(Value::as_array)
            .and_then(|r| r.iter().position(|v| v.as_str() == Some(d.field.as_str())));
        if let Some(i) = index {
            self.editor.remove(&format!("{required}/{i}"))?;
        }
        Ok(format!("removed field {}", d.field))
    }

    /// Acknowledges the example's spelling of a field (one of its
    /// `x-aliases`).
    fn acknowledge_spelling(&mut self, d: &Difference) -> Result<Option<String>, EditError> {
        let pointer = d.location.pointer.as_str();
        let Some(alias) = self.alias_of(pointer) else {
            return Ok(None);
        };
        let reason = format!(
            "The example spells it {alias}; both spellings decode into {}.",
            d.field
        );
        self.acknowledge(&object_of(pointer), &d.field, &[Rule::ExampleKey], &reason)?;
        Ok(Some(format!(
            "acknowledged the spelling {alias} of {}",
            d.field
        )))
    }

    /// Accepts both the table's type of a field and the type of the value
    /// the example sends.
    fn accept_both_types(&mut self, d: &Difference) -> Result<Option<String>, EditError> {
        let Some((_, row)) = row(self.page, d) else {
            return Ok(None);
        };
        let Some(sent) = find_key(&self.example(), &row.name) else {
            return Ok(None);
        };
        let pointer = d.location.pointer.as_str();
        let mut new = Vec::new();
        let either = self.draft.either(self.doc(), row, &sent, &mut new);
        let either = self.keep_aliases(pointer, either);
        self.add_schemas(new)?;
        self.editor.set(pointer, either)?;
        Ok(Some(format!(
            "accepted both the table's type and the example's for field {}",
            row.name
        )))
    }

    fn add_operation(&mut self) -> Result<String, EditError> {
        let (operation, new) = self.draft.operation(self.doc());
        let method = self.page.method.to_ascii_lowercase();
        let path = &self.page.path;
        let item = format!("/paths/{}", escape(path));
        if self.doc().get("paths").is_none() {
            let paths = Yaml::Map(vec![(
                path.clone(),
                Yaml::Map(vec![(method.clone(), operation)]),
            )]);
            let place = if self.doc().get("components").is_some() {
                Place::Before("components")
            } else {
                Place::End
            };
            self.editor.insert("", "paths", paths, place)?;
        } else if self.doc().pointer(&item).is_some() {
            self.editor.insert(&item, &method, operation, Place::End)?;
        } else {
            self.editor.insert(
                "/paths",
                path,
                Yaml::Map(vec![(method.clone(), operation)]),
                Place::End,
            )?;
        }
        self.add_schemas(new)?;
        Ok(format!(
            "added operation {} ({} {})",
            self.draft.operation_id(),
            self.page.method,
            path
        ))
    }

    /// Adds component schemas, creating `components` and `schemas` when
    /// the spec has neither.
    fn add_schemas(&mut self, new: Vec<NewSchema>) -> Result<(), EditError> {
        for (name, schema) in new {
            let at = format!("/components/schemas/{}", escape(&name));
            if self.doc().pointer(&at).is_some() {
                continue;
            }
            if self.doc().get("components").is_none() {
                let components = Yaml::map([("schemas", Yaml::Map(vec![(name, schema)]))]);
                self.editor
                    .insert("", "components", components, Place::End)?;
            } else if self.doc().pointer("/components/schemas").is_none() {
                self.editor.insert(
                    "/components",
                    "schemas",
                    Yaml::Map(vec![(name, schema)]),
                    Place::End,
                )?;
            } else {
                self.editor
                    .insert("/components/schemas", &name, schema, Place::End)?;
            }
        }
        Ok(())
    }

    /// Adds a parameter to the operation, after the parameter the page
    /// lists before it.
    fn add_parameter(&mut self, op: &str, row: &Row, parameter: Yaml) -> Result<(), EditError> {
        let list = format!("{op}/parameters");
        let Some(current) = self.doc().pointer(&list).and_then(Value::as_array).cloned() else {
            let place = if self.doc().pointer(&format!("{op}/responses")).is_some() {
                Place::Before("responses")
            } else {
                Place::End
            };
            return self
                .editor
                .insert(op, "parameters", Yaml::Seq(vec![parameter]), place);
        };
        let names: Vec<Option<String>> = current
            .iter()
            .map(|p| {
                crate::check::resolve(self.doc(), p)
                    .and_then(|p| p.get("name"))
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
            .collect();
        let rows: Vec<&Row> = [At::Path, At::Query, At::Header]
            .into_iter()
            .flat_map(|p| self.page.parameters(p))
            .collect();
        let here = rows.iter().position(|r| r.line == row.line).unwrap_or(0);
        let position = rows[..here]
            .iter()
            .rev()
            .find_map(|r| names.iter().position(|n| n.as_deref() == Some(&r.name)))
            .map(|i| i + 1)
            .or_else(|| {
                rows[here + 1..]
                    .iter()
                    .find_map(|r| names.iter().position(|n| n.as_deref() == Some(&r.name)))
            })
            .unwrap_or(current.len());
        self.editor.insert_item(&list, position, parameter)
    }

    /// The pointer of the operation's own list item for parameter
    /// `pointer` (itself, or the item that refers to it).
    fn own_item(&self, op: &str, pointer: &str) -> Option<String> {
        if pointer.starts_with(&format!("{op}/parameters/")) {
            return Some(pointer.to_string());
        }
        let list = self
            .doc()
            .pointer(&format!("{op}/parameters"))
            .and_then(Value::as_array)?;
        let target = format!("#{pointer}");
        list.iter()
            .position(|p| p.get("$ref").and_then(Value::as_str) == Some(target.as_str()))
            .map(|i| format!("{op}/parameters/{i}"))
    }

    /// Sets a parameter's `required` to the page's "mandatory".
    fn set_required(&mut self, parameter: &str, row: &Row) -> Result<String, EditError> {
        let required = row.mandatory.unwrap_or(false);
        self.put(
            parameter,
            "required",
            Yaml::Scalar(Value::Bool(required)),
            &["in", "name"],
        )?;
        Ok(format!("made parameter {} required: {required}", row.name))
    }

    /// Gives a parameter the page's type (its whole schema).
    fn set_parameter_type(&mut self, parameter: &str, row: &Row) -> Result<String, EditError> {
        let schema = format!("{parameter}/schema");
        self.editor.set(&schema, draft::parameter_schema(row))?;
        Ok(format!(
            "gave parameter {} the page's type, {}",
            row.name, row.kind
        ))
    }

    /// Gives a parameter the page's range (or length); nothing when the
    /// page gives none.
    fn set_parameter_range(&mut self, parameter: &str, row: &Row) -> Result<String, EditError> {
        let Some(range) = row.range else {
            return Ok(String::new());
        };
        let schema = format!("{parameter}/schema");
        let (low, high) = if range.length {
            ("minLength", "maxLength")
        } else {
            ("minimum", "maximum")
        };
        self.put(
            &schema,
            low,
            Yaml::Scalar(draft::number(range.min)),
            &["format", "type"],
        )?;
        self.put(
            &schema,
            high,
            Yaml::Scalar(draft::number(range.max)),
            &[low],
        )?;
        Ok(format!(
            "gave parameter {} the page's range, {} to {}",
            row.name, range.min, range.max
        ))
    }

    /// Adds a property to the object at `object`, after the field the
    /// page lists before it.
    fn add_property(&mut self, object: &str, row: &Row, property: Yaml) -> Result<(), EditError> {
        let properties = format!("{object}/properties");
        let Some(current) = self
            .doc()
            .pointer(&properties)
            .and_then(Value::as_object)
            .cloned()
        else {
            return self.editor.insert(
                object,
                "properties",
                Yaml::Map(vec![(row.name.clone(), property)]),
                Place::End,
            );
        };
        let table = self
            .page
            .tables
            .iter()
            .find(|t| t.rows.iter().any(|r| r.line == row.line));
        let rows: &[Row] = table.map_or(&[], |t| t.rows.as_slice());
        let here = rows.iter().position(|r| r.line == row.line).unwrap_or(0);
        let before = rows[..here]
            .iter()
            .rev()
            .find(|r| current.contains_key(&r.name))
            .map(|r| r.name.clone());
        let after = rows[here + 1..]
            .iter()
            .find(|r| current.contains_key(&r.name))
            .map(|r| r.name.clone());
        let place = match (&before, &after) {
            (Some(b), _) => Place::After(b),
            (None, Some(a)) => Place::Before(a),
            _ => Place::End,
        };
        self.editor.insert(&properties, &row.name, property, place)
    }

    /// Sets `key` of the mapping at `map`, adding it after the first of
    /// `after` that the mapping has.
    fn put(&mut self, map: &str, key: &str, value: Yaml, after: &[&str]) -> Result<(), EditError> {
        let at = format!("{map}/{}", escape(key));
        if self.doc().pointer(&at).is_some() {
            return self.editor.set(&at, value);
        }
        let current = self.doc().pointer(map).and_then(Value::as_object);
        let place = after
            .iter()
            .find(|k| current.is_some_and(|m| m.contains_key(**k)))
            .map_or(Place::End, |k| Place::After(k));
        self.editor.insert(map, key, value, place)
    }

    /// Adds an `x-acknowledged` entry to the node at `scope`.
    fn acknowledge(
        &mut self,
        scope: &str,
        field: &str,
        rules: &[Rule],
        reason: &str,
    ) -> Result<(), EditError> {
        let entry = acknowledgement(field, rules, reason);
        let list = format!("{scope}/x-acknowledged");
        let settles = |a: &Value| {
            a.get("field").and_then(Value::as_str) == Some(field)
                && rules
                    .iter()
                    .all(|rule| rule.is_named_by(a.get("difference")))
        };
        let present = self
            .doc()
            .pointer(&list)
            .and_then(Value::as_array)
            .is_some_and(|items| items.iter().any(settles));
        if present {
            return Ok(());
        }
        match self.doc().pointer(&list).and_then(Value::as_array) {
            Some(items) => {
                let len = items.len();
                self.editor.insert_item(&list, len, entry)
            }
            None => {
                let current = self.doc().pointer(scope).and_then(Value::as_object);
                let place = ["properties", "schema", "oneOf"]
                    .iter()
                    .find(|k| current.is_some_and(|m| m.contains_key(**k)))
                    .map_or(Place::End, |k| Place::Before(k));
                self.editor
                    .insert(scope, "x-acknowledged", Yaml::Seq(vec![entry]), place)
            }
        }
    }

    /// `property` with the `x-aliases` of the property at `pointer`.
    fn keep_aliases(&self, pointer: &str, property: Yaml) -> Yaml {
        let aliases = self
            .doc()
            .pointer(&format!("{pointer}/x-aliases"))
            .map(Yaml::from_value);
        match (property, aliases) {
            (Yaml::Map(mut entries), Some(aliases)) => {
                entries.push(("x-aliases".into(), aliases));
                Yaml::Map(entries)
            }
            (property, _) => property,
        }
    }

    /// The spelling of the property at `pointer` that the page's example
    /// uses (one of its `x-aliases`).
    fn alias_of(&self, pointer: &str) -> Option<String> {
        let aliases = self
            .doc()
            .pointer(&format!("{pointer}/x-aliases"))?
            .as_array()?;
        let example = self.example();
        aliases
            .iter()
            .filter_map(Value::as_str)
            .find(|a| find_key(&example, a).is_some())
            .map(str::to_string)
    }

    /// Settles an example key the tables do not list: another spelling of
    /// a field becomes an alias; anything else becomes a field.
    fn undocumented(&mut self, object: &str, key: &str) -> Result<String, EditError> {
        let canonical = self
            .doc()
            .pointer(&format!("{object}/properties"))
            .and_then(Value::as_object)
            .and_then(|p| p.keys().find(|name| loose(name) == loose(key)).cloned());
        match canonical {
            Some(name) => self.add_spelling(object, &name, key),
            None => self.add_example_field(object, key),
        }
    }

    /// Makes `key` another spelling (`x-aliases`) of field `name` of the
    /// object at `object`, and acknowledges it.
    fn add_spelling(&mut self, object: &str, name: &str, key: &str) -> Result<String, EditError> {
        let property = format!("{object}/properties/{}", escape(name));
        let aliases = format!("{property}/x-aliases");
        match self.doc().pointer(&aliases).and_then(Value::as_array) {
            Some(list) => {
                let len = list.len();
                self.editor.insert_item(&aliases, len, Yaml::str(key))?;
            }
            None => {
                let has_description = self
                    .doc()
                    .pointer(&format!("{property}/description"))
                    .is_some();
                let place = if has_description {
                    Place::After("description")
                } else {
                    Place::End
                };
                self.editor.insert(
                    &property,
                    "x-aliases",
                    Yaml::Seq(vec![Yaml::str(key)]),
                    place,
                )?;
            }
        }
        let reason = format!("The example spells it {key}; both spellings decode into {name}.");
        self.acknowledge(object, name, &[Rule::ExampleKey], &reason)?;
        Ok(format!("made {key} another spelling of field {name}"))
    }

    /// Adds field `key`, which only the example shows, typed as the value
    /// the example sends, and acknowledges it.
    fn add_example_field(&mut self, object: &str, key: &str) -> Result<String, EditError> {
        let properties = format!("{object}/properties");
        let sent = find_key(&self.example(), key).unwrap_or(Value::Null);
        let mut entries = draft::value_type(&sent);
        entries.push((
            "description".into(),
            Yaml::str(format!("{}.", draft::sentence(key))),
        ));
        let property = Yaml::Map(entries);
        if self.doc().pointer(&properties).is_none() {
            self.editor.insert(
                object,
                "properties",
                Yaml::Map(vec![(key.to_string(), property)]),
                Place::End,
            )?;
        } else {
            self.editor.insert(&properties, key, property, Place::End)?;
        }
        self.acknowledge(object, key, &UNDOCUMENTED, UNDOCUMENTED_REASON)?;
        Ok(format!("added field {key}, which only the example shows"))
    }
}

/// The error for a parameter the operation does not list.
fn not_listed(pointer: &str) -> EditError {
    EditError::Target {
        pointer: pointer.to_string(),
        message: "the operation does not list this parameter".into(),
    }
}

/// The page row a difference is about, and the table holding it.
fn row<'p>(page: &'p Page, d: &Difference) -> Option<(&'p Table, &'p Row)> {
    let line = d.page_line?;
    page.tables
        .iter()
        .find_map(|t| t.rows.iter().find(|r| r.line == line).map(|r| (t, r)))
}

/// The parameter row a difference is about, with its place.
fn parameter_row<'p>(page: &'p Page, d: &Difference) -> Option<(At, &'p Row)> {
    let line = d.page_line?;
    [At::Path, At::Query, At::Header]
        .into_iter()
        .find_map(|place| {
            page.parameters(place)
                .into_iter()
                .find(|r| r.line == line)
                .map(|r| (place, r))
        })
}

/// The object schema a property pointer is in.
fn object_of(pointer: &str) -> String {
    match pointer.rfind("/properties/") {
        Some(at) => pointer[..at].to_string(),
        None => pointer.to_string(),
    }
}

/// The example node a pointer into an example is in: `.../example` or
/// `.../examples/<name>/value`.
fn example_node(pointer: &str) -> Option<String> {
    let tokens: Vec<&str> = pointer.split('/').collect();
    for (i, token) in tokens.iter().enumerate() {
        if *token == "example"
            && tokens
                .get(i.wrapping_sub(1))
                .is_some_and(|p| p.contains("json"))
        {
            return Some(tokens[..=i].join("/"));
        }
        if *token == "examples" && tokens.get(i + 2) == Some(&"value") {
            return Some(tokens[..=i + 2].join("/"));
        }
    }
    None
}

/// The first value of `key` in an object anywhere in `value`.
fn find_key(value: &Option<Value>, key: &str) -> Option<Value> {
    fn walk(value: &Value, key: &str) -> Option<Value> {
        match value {
            Value::Object(map) => map
                .get(key)
                .cloned()
                .or_else(|| map.values().find_map(|v| walk(v, key))),
            Value::Array(items) => items.iter().find_map(|v| walk(v, key)),
            _ => None,
        }
    }
    walk(value.as_ref()?, key)
}

/// The part of a spec no page describes: `openapi`, `info`, `servers`, the
/// top-level rate limit (`x-rate-limit`), the
/// security schemes (without their acknowledgements, which settle pages),
/// the shared responses and the schemas those refer to. Pages put through
/// [`sync`] on top of it give the operations back; `docs-sync`'s round
/// trip starts here.
pub fn skeleton(spec: &Value) -> Value {
    let mut schemes = spec
        .pointer("/components/securitySchemes")
        .cloned()
        .unwrap_or_else(|| Value::Object(serde_json::Map::new()));
    for scheme in schemes
        .as_object_mut()
        .into_iter()
        .flat_map(|m| m.values_mut())
    {
        if let Some(m) = scheme.as_object_mut() {
            m.remove("x-acknowledged");
        }
    }
    let responses = spec
        .pointer("/components/responses")
        .cloned()
        .unwrap_or_else(|| Value::Object(serde_json::Map::new()));
    let mut schemas = serde_json::Map::new();
    let mut pending: Vec<String> = Vec::new();
    collect_schema_refs(&responses, &mut pending);
    while let Some(name) = pending.pop() {
        if schemas.contains_key(&name) {
            continue;
        }
        if let Some(schema) = spec.pointer(&format!("/components/schemas/{}", escape(&name))) {
            collect_schema_refs(schema, &mut pending);
            schemas.insert(name, schema.clone());
        }
    }
    let mut root = serde_json::Map::new();
    // The rate limit is documented elsewhere than the operation pages.
    for key in ["openapi", "info", "servers", "x-rate-limit"] {
        if let Some(value) = spec.get(key) {
            root.insert(key.to_string(), value.clone());
        }
    }
    root.insert(
        "components".to_string(),
        serde_json::json!({
            "securitySchemes": schemes,
            "responses": responses,
            "schemas": schemas,
        }),
    );
    Value::Object(root)
}

/// The names of the component schemas `value` refers to.
fn collect_schema_refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, item) in map {
                if key == "$ref"
                    && let Some(name) = item
                        .as_str()
                        .and_then(|r| r.strip_prefix("#/components/schemas/"))
                {
                    out.push(name.to_string());
                }
                collect_schema_refs(item, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_schema_refs(item, out)),
        _ => {}
    }
}
