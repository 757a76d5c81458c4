export { UserError } from "../errors/user-error.ts";
