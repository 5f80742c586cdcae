// The SystemGuard rule language.
//
// A file is a sequence of declarations: imports, lists, macros, rules,
// exceptions and overrides. Newlines carry no meaning; `#` starts a comment
// that runs to the end of the line. The C++ parser is generated from this
// file at build time (see compiler/CMakeLists.txt).
//
// Names are single IDENT tokens. An IDENT may contain dots and dashes after
// its first character, so field paths (`file.path`), event kinds
// (`file.open`) and tags (`attack.t1003.008`) are one token each.
grammar SgRules;

file : decl* EOF ;

decl
  : importDecl
  | listDecl
  | macroDecl
  | ruleDecl
  | exceptionDecl
  | overrideDecl
  ;

importDecl : IMPORT STRING ;

listDecl : LIST IDENT '=' listLit ;

macroDecl : MACRO IDENT '=' expr ;

ruleDecl : RULE IDENT '{' ruleItem* '}' ;

// `test` is a keyword and also a status: `status test` is allowed.
ruleItem
  : key=(ID | TITLE | DESCRIPTION | AUTHOR | OUTPUT) STRING  # ruleText
  | key=(LEVEL | STATUS) word=(IDENT | TEST)                  # ruleWord
  | TAGS '[' (tag (',' tag)* ','?)? ']'                       # ruleTags
  | key=(REFERENCES | FALSEPOSITIVES) stringList              # ruleStrings
  | EVENT (IDENT | '[' IDENT (',' IDENT)* ','? ']')           # ruleEvent
  | SELECT IDENT ':' test+                                    # ruleSelect
  | CONDITION ':' expr                                        # ruleCondition
  | TEST verdict=(MATCH | NOMATCH) STRING '{' assign* '}'     # ruleTest
  | ALLOW '[' IDENT (',' IDENT)* ','? ']'                    # ruleAllow
  ;

exceptionDecl : EXCEPTION IDENT '{' exceptionItem* '}' ;

exceptionItem
  : RULE IDENT              # exceptionRule
  | TAG tag                 # exceptionTag
  | REASON STRING           # exceptionReason
  | EXPIRES DATE            # exceptionExpires
  | WHEN ':' expr           # exceptionWhen
  ;

overrideDecl : OVERRIDE IDENT '{' overrideItem* '}' ;

overrideItem
  : DISABLE                 # overrideDisable
  | LEVEL IDENT             # overrideLevel
  ;

tag : IDENT | STRING ;

stringList : '[' (STRING (',' STRING)* ','?)? ']' ;

// `event: KIND` picks the kind a test's event has, for multi-kind rules.
assign : key=(IDENT | EVENT) ':' value ','? ;

// Conditions. `and` binds tighter than `or`; chains are kept flat.
expr : andExpr (OR andExpr)* ;

andExpr : unary (AND unary)* ;

unary
  : NOT unary               # notExpr
  | '(' expr ')'            # parenExpr
  | quantifier              # quantExpr
  | test                    # testExpr
  | IDENT                   # refExpr
  ;

quantifier : count=(INT | ALL) OF target=(PATTERN | IDENT | THEM) ;

test : IDENT op modifier* value ;

op
  : '==' | '<' | '<=' | '>' | '>='
  | IN | CONTAINS | STARTSWITH | ENDSWITH | LIKE | MATCHES | CIDR | HAS
  ;

modifier : ALL | NOCASE ;

value
  : STRING                  # stringValue
  | INT                     # intValue
  | (TRUE | FALSE)          # boolValue
  | IDENT                   # nameValue
  | listLit                 # listValue
  ;

listLit : '[' (value (',' value)* ','?)? ']' ;

// ---------------------------------------------------------------- lexer

IMPORT : 'import' ;
LIST : 'list' ;
MACRO : 'macro' ;
RULE : 'rule' ;
EXCEPTION : 'exception' ;
OVERRIDE : 'override' ;
ID : 'id' ;
TITLE : 'title' ;
DESCRIPTION : 'description' ;
AUTHOR : 'author' ;
LEVEL : 'level' ;
STATUS : 'status' ;
TAGS : 'tags' ;
REFERENCES : 'references' ;
FALSEPOSITIVES : 'falsepositives' ;
EVENT : 'event' ;
SELECT : 'select' ;
CONDITION : 'condition' ;
OUTPUT : 'output' ;
TEST : 'test' ;
MATCH : 'match' ;
NOMATCH : 'nomatch' ;
TAG : 'tag' ;
REASON : 'reason' ;
EXPIRES : 'expires' ;
WHEN : 'when' ;
DISABLE : 'disable' ;
ALLOW : 'allow' ;
AND : 'and' ;
OR : 'or' ;
NOT : 'not' ;
OF : 'of' ;
ALL : 'all' ;
THEM : 'them' ;
IN : 'in' ;
CONTAINS : 'contains' ;
STARTSWITH : 'startswith' ;
ENDSWITH : 'endswith' ;
LIKE : 'like' ;
MATCHES : 'matches' ;
CIDR : 'cidr' ;
HAS : 'has' ;
NOCASE : 'nocase' ;
TRUE : 'true' ;
FALSE : 'false' ;

DATE : DIGIT DIGIT DIGIT DIGIT '-' DIGIT DIGIT '-' DIGIT DIGIT ;
INT : '-'? DIGIT+ | '0x' [0-9a-fA-F]+ | '0o' [0-7]+ ;
PATTERN : [a-zA-Z_] [a-zA-Z0-9_.-]* '*' ;
IDENT : [a-zA-Z_] [a-zA-Z0-9_-]* ('.' [a-zA-Z0-9_-]+)* ;
STRING : '"' (~["\\\r\n] | '\\' ~[\r\n])* '"' ;

COMMENT : '#' ~[\r\n]* -> channel(HIDDEN) ;
WS : [ \t\r\n]+ -> skip ;

// Anything else becomes a token the parser rejects with a clear message.
UNKNOWN_CHAR : . ;

fragment DIGIT : [0-9] ;
