// The event schema as text, for `sgc schema` and the language reference.
#pragma once

#include <string>

namespace sg {

// Every event kind, every field with its type and kinds, and every symbol
// set. Markdown tables when `markdown`, else aligned plain text.
std::string schema_doc(bool markdown);

} // namespace sg
