//! SimaPro expressions: a recursive-descent evaluator (`+ - * / ^`, parentheses, unary minus, comparisons,
//! `and`/`or`/`not`, `if`, math functions) and parameter scopes resolved in any order with cycle detection.

use std::collections::{HashMap, HashSet};

/// Deepest nesting of parentheses, unary operators or parameter references evaluated.
const MAX_DEPTH: usize = 256;

/// Parses a plain number as SimaPro writes it (`0,5` with a decimal comma, `9.455E+04`, `1,2E-3`).
/// Text that is not only digits, sign, decimal mark and exponent is not a number (no `inf`, `nan`).
pub(crate) fn parse_number(text: &str, decimal: char) -> Option<f64> {
    let text = text.trim();
    if text.is_empty() || !text.chars().all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | '.' | ',' | 'e' | 'E')) {
        return None;
    }
    if !text.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    let value = if decimal == ',' { text.replace(',', ".").parse::<f64>().ok()? } else { text.parse::<f64>().ok()? };
    value.is_finite().then_some(value)
}

/// Why an expression has no value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum EvalError {
    Syntax(String),
    UnknownParameter(String),
    Cycle(Vec<String>),
    UnknownFunction(String),
    NotFinite,
    TooDeep,
}

impl std::fmt::Display for EvalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EvalError::Syntax(m) => write!(f, "syntax error: {m}"),
            EvalError::UnknownParameter(name) => write!(f, "unknown parameter `{name}`"),
            EvalError::Cycle(path) => write!(f, "parameter cycle: {}", path.join(" -> ")),
            EvalError::UnknownFunction(name) => write!(f, "unknown function `{name}`"),
            EvalError::NotFinite => f.write_str("result is not a finite number"),
            EvalError::TooDeep => f.write_str("expression nested too deeply"),
        }
    }
}

/// Something that gives parameter values by (lowercase) name.
pub(crate) trait Variables {
    fn value_of(&mut self, name: &str, depth: usize) -> Result<f64, EvalError>;
}

/// No parameters at all.
#[cfg(test)]
#[derive(Debug)]
pub(crate) struct NoVariables;

#[cfg(test)]
impl Variables for NoVariables {
    fn value_of(&mut self, name: &str, _depth: usize) -> Result<f64, EvalError> {
        Err(EvalError::UnknownParameter(name.to_owned()))
    }
}

/// Evaluates `text` with the given decimal mark (`,` makes `;` the only argument separator).
pub(crate) fn evaluate(text: &str, decimal: char, vars: &mut dyn Variables, depth: usize) -> Result<f64, EvalError> {
    if depth > MAX_DEPTH {
        return Err(EvalError::TooDeep);
    }
    let tokens = tokenize(text, decimal)?;
    let mut parser = Parser { tokens: &tokens, pos: 0, vars, depth };
    let value = parser.or_expr(0)?;
    if let Some(token) = parser.tokens.get(parser.pos) {
        return Err(EvalError::Syntax(format!("unexpected {token:?}")));
    }
    if value.is_finite() { Ok(value) } else { Err(EvalError::NotFinite) }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Number(f64),
    Ident(String),
    Op(&'static str),
    Open,
    Close,
    ArgSep,
}

fn tokenize(text: &str, decimal: char) -> Result<Vec<Token>, EvalError> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut idx = 0;
    let at = |i: usize| chars.get(i).copied();
    while let Some(c) = at(idx) {
        if c.is_whitespace() {
            idx += 1;
        } else if c.is_ascii_digit() || (c == decimal && at(idx + 1).is_some_and(|d| d.is_ascii_digit())) {
            let start = idx;
            while at(idx).is_some_and(|d| d.is_ascii_digit())
                || (at(idx) == Some(decimal) && at(idx + 1).is_some_and(|d| d.is_ascii_digit()))
            {
                idx += 1;
            }
            if matches!(at(idx), Some('e' | 'E')) {
                let sign = usize::from(matches!(at(idx + 1), Some('+' | '-')));
                if at(idx + 1 + sign).is_some_and(|d| d.is_ascii_digit()) {
                    idx += 1 + sign;
                    while at(idx).is_some_and(|d| d.is_ascii_digit()) {
                        idx += 1;
                    }
                }
            }
            let literal: String = chars.get(start..idx).unwrap_or_default().iter().collect();
            let literal = if decimal == '.' { literal } else { literal.replace(decimal, ".") };
            let value = literal.parse::<f64>().map_err(|_| EvalError::Syntax(format!("bad number `{literal}`")))?;
            tokens.push(Token::Number(value));
        } else if c.is_alphabetic() || c == '_' {
            let start = idx;
            while at(idx).is_some_and(|d| d.is_alphanumeric() || d == '_') {
                idx += 1;
            }
            let name: String = chars.get(start..idx).unwrap_or_default().iter().collect();
            tokens.push(Token::Ident(name.to_lowercase()));
        } else {
            let two: String = chars.get(idx..idx + 2).unwrap_or_default().iter().collect();
            let op2 = ["<=", ">=", "<>", "!=", "==", "&&", "||"].into_iter().find(|o| *o == two);
            if let Some(op) = op2 {
                tokens.push(Token::Op(op));
                idx += 2;
                continue;
            }
            let token = match c {
                '(' => Token::Open,
                ')' => Token::Close,
                ';' => Token::ArgSep,
                ',' if decimal != ',' => Token::ArgSep,
                '+' => Token::Op("+"),
                '-' => Token::Op("-"),
                '*' => Token::Op("*"),
                '/' => Token::Op("/"),
                '^' => Token::Op("^"),
                '<' => Token::Op("<"),
                '>' => Token::Op(">"),
                '=' => Token::Op("="),
                '!' => Token::Op("!"),
                other => return Err(EvalError::Syntax(format!("unexpected character `{other}`"))),
            };
            tokens.push(token);
            idx += 1;
        }
    }
    Ok(tokens)
}

struct Parser<'t, 'v> {
    tokens: &'t [Token],
    pos: usize,
    vars: &'v mut dyn Variables,
    depth: usize,
}

fn truth(value: bool) -> f64 {
    if value { 1.0 } else { 0.0 }
}

impl Parser<'_, '_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn peek_op(&self) -> Option<&'static str> {
        match self.peek() {
            Some(Token::Op(op)) => Some(op),
            Some(Token::Ident(name)) if name == "and" => Some("and"),
            Some(Token::Ident(name)) if name == "or" => Some("or"),
            _ => None,
        }
    }

    fn guard(depth: usize) -> Result<(), EvalError> {
        if depth > MAX_DEPTH { Err(EvalError::TooDeep) } else { Ok(()) }
    }

    fn or_expr(&mut self, depth: usize) -> Result<f64, EvalError> {
        Self::guard(depth)?;
        let mut left = self.and_expr(depth)?;
        while matches!(self.peek_op(), Some("or" | "||")) {
            self.pos += 1;
            let right = self.and_expr(depth)?;
            left = truth(left != 0.0 || right != 0.0);
        }
        Ok(left)
    }

    fn and_expr(&mut self, depth: usize) -> Result<f64, EvalError> {
        let mut left = self.comparison(depth)?;
        while matches!(self.peek_op(), Some("and" | "&&")) {
            self.pos += 1;
            let right = self.comparison(depth)?;
            left = truth(left != 0.0 && right != 0.0);
        }
        Ok(left)
    }

    fn comparison(&mut self, depth: usize) -> Result<f64, EvalError> {
        let left = self.additive(depth)?;
        let Some(op) = self.peek_op().filter(|op| matches!(*op, "<" | ">" | "<=" | ">=" | "=" | "==" | "<>" | "!="))
        else {
            return Ok(left);
        };
        self.pos += 1;
        let right = self.additive(depth)?;
        Ok(truth(match op {
            "<" => left < right,
            ">" => left > right,
            "<=" => left <= right,
            ">=" => left >= right,
            "=" | "==" => left == right,
            _ => left != right,
        }))
    }

    fn additive(&mut self, depth: usize) -> Result<f64, EvalError> {
        let mut left = self.multiplicative(depth)?;
        while let Some(op @ ("+" | "-")) = self.peek_op() {
            self.pos += 1;
            let right = self.multiplicative(depth)?;
            left = if op == "+" { left + right } else { left - right };
        }
        Ok(left)
    }

    fn multiplicative(&mut self, depth: usize) -> Result<f64, EvalError> {
        let mut left = self.unary(depth)?;
        while let Some(op @ ("*" | "/")) = self.peek_op() {
            self.pos += 1;
            let right = self.unary(depth)?;
            left = if op == "*" { left * right } else { left / right };
        }
        Ok(left)
    }

    fn unary(&mut self, depth: usize) -> Result<f64, EvalError> {
        Self::guard(depth)?;
        match self.peek() {
            Some(Token::Op("-")) => {
                self.pos += 1;
                Ok(-self.unary(depth + 1)?)
            }
            Some(Token::Op("+")) => {
                self.pos += 1;
                self.unary(depth + 1)
            }
            Some(Token::Op("!")) => {
                self.pos += 1;
                Ok(truth(self.unary(depth + 1)? == 0.0))
            }
            Some(Token::Ident(name)) if name == "not" && self.tokens.get(self.pos + 1) != Some(&Token::Open) => {
                self.pos += 1;
                Ok(truth(self.unary(depth + 1)? == 0.0))
            }
            _ => self.power(depth),
        }
    }

    /// `a ^ b` is right-associative and binds tighter than unary minus on its left: `-2^2` is -4.
    fn power(&mut self, depth: usize) -> Result<f64, EvalError> {
        let base = self.primary(depth)?;
        if self.peek_op() == Some("^") {
            self.pos += 1;
            let exponent = self.unary(depth + 1)?;
            return Ok(base.powf(exponent));
        }
        Ok(base)
    }

    fn expect_close(&mut self) -> Result<(), EvalError> {
        if self.peek() == Some(&Token::Close) {
            self.pos += 1;
            Ok(())
        } else {
            Err(EvalError::Syntax("missing `)`".to_owned()))
        }
    }

    fn primary(&mut self, depth: usize) -> Result<f64, EvalError> {
        let Some(token) = self.peek().cloned() else {
            return Err(EvalError::Syntax("unexpected end of expression".to_owned()));
        };
        self.pos += 1;
        match token {
            Token::Number(value) => Ok(value),
            Token::Open => {
                let value = self.or_expr(depth + 1)?;
                self.expect_close()?;
                Ok(value)
            }
            Token::Ident(name) => {
                if self.peek() == Some(&Token::Open) {
                    self.pos += 1;
                    let mut args = Vec::new();
                    if self.peek() == Some(&Token::Close) {
                        self.pos += 1;
                    } else {
                        loop {
                            args.push(self.or_expr(depth + 1)?);
                            match self.peek() {
                                Some(Token::ArgSep) => self.pos += 1,
                                _ => break,
                            }
                        }
                        self.expect_close()?;
                    }
                    return call(&name, &args);
                }
                match self.vars.value_of(&name, self.depth + 1) {
                    Err(EvalError::UnknownParameter(_)) if name == "pi" => Ok(std::f64::consts::PI),
                    other => other,
                }
            }
            other => Err(EvalError::Syntax(format!("unexpected {other:?}"))),
        }
    }
}

fn call(name: &str, args: &[f64]) -> Result<f64, EvalError> {
    let arity = |n: usize| {
        if args.len() == n {
            Ok(())
        } else {
            Err(EvalError::Syntax(format!("{name} takes {n} argument(s), got {}", args.len())))
        }
    };
    let arg = |i: usize| args.get(i).copied().unwrap_or(f64::NAN);
    let one = |f: fn(f64) -> f64| arity(1).map(|()| f(arg(0)));
    match name {
        "abs" => one(f64::abs),
        "sqrt" => one(f64::sqrt),
        "sqr" => one(|x| x * x),
        "exp" => one(f64::exp),
        "ln" => one(f64::ln),
        "log" | "log10" => one(f64::log10),
        "sin" => one(f64::sin),
        "cos" => one(f64::cos),
        "tan" => one(f64::tan),
        "arcsin" | "asin" => one(f64::asin),
        "arccos" | "acos" => one(f64::acos),
        "arctan" | "atan" => one(f64::atan),
        "trunc" | "int" => one(f64::trunc),
        "frac" => one(f64::fract),
        "floor" => one(f64::floor),
        "ceil" | "ceiling" => one(f64::ceil),
        "sign" => one(|x| if x == 0.0 { 0.0 } else { x.signum() }),
        "not" => one(|x| truth(x == 0.0)),
        "round" => match args.len() {
            1 => Ok(arg(0).round()),
            2 => {
                let scale = 10f64.powi(arg(1).clamp(-300.0, 300.0) as i32);
                Ok((arg(0) * scale).round() / scale)
            }
            n => Err(EvalError::Syntax(format!("round takes 1 or 2 arguments, got {n}"))),
        },
        "pow" | "power" => arity(2).map(|()| arg(0).powf(arg(1))),
        "mod" => arity(2).map(|()| arg(0) % arg(1)),
        "min" | "max" if args.is_empty() => Err(EvalError::Syntax(format!("{name} needs arguments"))),
        "min" => Ok(args.iter().copied().fold(f64::INFINITY, f64::min)),
        "max" => Ok(args.iter().copied().fold(f64::NEG_INFINITY, f64::max)),
        "if" => arity(3).map(|()| if arg(0) != 0.0 { arg(1) } else { arg(2) }),
        "pi" => arity(0).map(|()| std::f64::consts::PI),
        _ => Err(EvalError::UnknownFunction(name.to_owned())),
    }
}

/// A parameter definition: a constant or an expression.
#[derive(Debug, Clone)]
pub(crate) enum Definition {
    Value(f64),
    Expression(String),
}

/// Parameters of one level (project and database, or one process) over an optional parent scope; values are
/// resolved on demand and memoized, in whatever order the parameters reference each other.
#[derive(Debug)]
pub(crate) struct Scope<'p> {
    decimal: char,
    definitions: HashMap<String, Definition>,
    values: HashMap<String, Result<f64, EvalError>>,
    visiting: Vec<String>,
    visiting_set: HashSet<String>,
    parent: Option<&'p mut Scope<'static>>,
}

impl Scope<'static> {
    pub(crate) fn new(decimal: char) -> Self {
        Scope {
            decimal,
            definitions: HashMap::new(),
            values: HashMap::new(),
            visiting: Vec::new(),
            visiting_set: HashSet::new(),
            parent: None,
        }
    }
}

impl<'p> Scope<'p> {
    pub(crate) fn child(parent: &'p mut Scope<'static>) -> Scope<'p> {
        Scope {
            decimal: parent.decimal,
            definitions: HashMap::new(),
            values: HashMap::new(),
            visiting: Vec::new(),
            visiting_set: HashSet::new(),
            parent: Some(parent),
        }
    }

    /// Defines a parameter; returns false when the name was already defined at this level (first one wins).
    pub(crate) fn define(&mut self, name: &str, definition: Definition) -> bool {
        let key = name.trim().to_lowercase();
        if self.definitions.contains_key(&key) {
            return false;
        }
        self.definitions.insert(key, definition);
        true
    }

    pub(crate) fn resolve(&mut self, name: &str) -> Result<f64, EvalError> {
        self.value_of(&name.trim().to_lowercase(), 0)
    }

    pub(crate) fn evaluate(&mut self, text: &str) -> Result<f64, EvalError> {
        let decimal = self.decimal;
        evaluate(text, decimal, self, 0)
    }
}

impl Variables for Scope<'_> {
    fn value_of(&mut self, name: &str, depth: usize) -> Result<f64, EvalError> {
        if depth > MAX_DEPTH {
            return Err(EvalError::TooDeep);
        }
        if let Some(value) = self.values.get(name) {
            return value.clone();
        }
        let Some(definition) = self.definitions.get(name).cloned() else {
            return match self.parent.as_deref_mut() {
                Some(parent) => parent.value_of(name, depth),
                None => Err(EvalError::UnknownParameter(name.to_owned())),
            };
        };
        if self.visiting_set.contains(name) {
            let start = self.visiting.iter().position(|n| n == name).unwrap_or(0);
            let mut path: Vec<String> = self.visiting.get(start..).unwrap_or_default().to_vec();
            path.push(name.to_owned());
            return Err(EvalError::Cycle(path));
        }
        let result = match definition {
            Definition::Value(value) => Ok(value),
            Definition::Expression(text) => {
                self.visiting.push(name.to_owned());
                self.visiting_set.insert(name.to_owned());
                let decimal = self.decimal;
                let result = evaluate(&text, decimal, self, depth + 1);
                self.visiting.pop();
                self.visiting_set.remove(name);
                result
            }
        };
        self.values.insert(name.to_owned(), result.clone());
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(text: &str) -> Result<f64, EvalError> {
        evaluate(text, '.', &mut NoVariables, 0)
    }

    #[test]
    fn precedence_power_and_unary_minus() {
        assert_eq!(eval("1 + 2 * 3"), Ok(7.0));
        assert_eq!(eval("2 ^ 3 ^ 2"), Ok(512.0));
        assert_eq!(eval("-2 ^ 2"), Ok(-4.0));
        assert_eq!(eval("2 ^ -1"), Ok(0.5));
        assert_eq!(eval("(1 + 2) * -3"), Ok(-9.0));
        assert_eq!(eval("10 / 4 - 1e-1"), Ok(2.4));
    }

    #[test]
    fn functions_comparisons_and_if() {
        assert_eq!(eval("sqrt(16) + ABS(-2) + max(1, 5, 3) + min(4; 2)"), Ok(13.0));
        assert_eq!(eval("if(2 > 1, 10, 20)"), Ok(10.0));
        assert_eq!(eval("if(1 <> 1 or 0, 10, 20)"), Ok(20.0));
        assert_eq!(eval("ln(exp(2))"), Ok(2.0));
        assert_eq!(eval("log(1000)"), Ok(3.0));
        assert!(matches!(eval("nope(1)"), Err(EvalError::UnknownFunction(_))));
        assert!(matches!(eval("1 +"), Err(EvalError::Syntax(_))));
        assert!(matches!(eval("1/0"), Err(EvalError::NotFinite)));
    }

    #[test]
    fn decimal_comma_inside_expressions() {
        let value = evaluate("1034*0,6684*0,59*0,03", ',', &mut NoVariables, 0).expect("value");
        assert_eq!(value, 1034.0 * 0.6684 * 0.59 * 0.03);
        assert_eq!(evaluate("max(1,5; 2)", ',', &mut NoVariables, 0), Ok(2.0));
        assert_eq!(parse_number("1,2E-3", ','), Some(1.2e-3));
        assert_eq!(parse_number("inf", '.'), None);
    }

    #[test]
    fn parameters_in_any_order_and_cycles() {
        let mut global = Scope::new('.');
        global.define("b", Definition::Expression("a * 2".into()));
        global.define("a", Definition::Value(3.0));
        global.define("x", Definition::Expression("y + 1".into()));
        global.define("y", Definition::Expression("X".into()));
        assert_eq!(global.resolve("B"), Ok(6.0));
        assert!(matches!(global.resolve("x"), Err(EvalError::Cycle(_))));
        let mut local = Scope::child(&mut global);
        local.define("c", Definition::Expression("b ^ 2".into()));
        assert_eq!(local.evaluate("c + a"), Ok(39.0));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let text = "(".repeat(5000) + "1" + &")".repeat(5000);
        assert_eq!(eval(&text), Err(EvalError::TooDeep));
        let minus = "-".repeat(5000) + "1";
        assert_eq!(eval(&minus), Err(EvalError::TooDeep));
    }
}
